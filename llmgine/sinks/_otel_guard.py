"""Exporters that skip an OTLP endpoint nobody listens on, instead of retrying into it.

The OTLP/HTTP exporters retry a refused connection with backoff for up to ten seconds per
batch, logging each attempt: with the collector down, an app prints a screenful of
warnings and takes twenty seconds to stop while its last spans and metrics try to leave.
Here each exporter sits behind a ``Reachability``: a TCP connect to the endpoint's host and
port, with a short timeout, repeated at most every ``RECHECK`` seconds. While it fails, a
batch is dropped at once (reported as a failed export to the SDK, which logs nothing for
that); once it succeeds again, batches flow. Going down is logged once, as one warning
that says what to do; the sink checks when it starts, so that warning comes at start-up.
It is said once per endpoint and process while the endpoint stays down, however many sinks
find it so (a script calling ``complete()`` in a loop builds one per call).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

logger = logging.getLogger("llmgine.sinks.otel")

PROBE_TIMEOUT = 0.5
"""Seconds a connect to the endpoint may take: a collector answers in milliseconds."""
RECHECK = 30.0
"""Seconds between two checks of an endpoint found down (or up)."""

_said_down: set[str] = set()
"""Endpoints whose being down was logged, and not yet found up again."""
_said_lock = threading.Lock()


def probe(endpoint: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when something accepts a TCP connection at ``endpoint``'s host and port, else
    why not (``"ConnectionRefusedError: ..."``)."""
    parts = urlsplit(endpoint)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return None
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


class Reachability:
    """Whether an OTLP endpoint answers, checked at most every ``recheck`` seconds."""

    def __init__(
        self,
        endpoint: str,
        advice: str,
        *,
        timeout: float = PROBE_TIMEOUT,
        recheck: float = RECHECK,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self.advice = advice
        self.problem: str | None = None
        """Why the last check failed; None when it succeeded (or none was made yet)."""
        self._timeout = timeout
        self._recheck = recheck
        self._clock = clock
        self._checked_at: float | None = None
        self._lock = threading.Lock()

    def check(self) -> str | None:
        """Check now; the problem found, if any. Going down logs one warning."""
        problem = probe(self.endpoint, self._timeout)
        with self._lock:
            self.problem, self._checked_at = problem, self._clock()
        with _said_lock:
            was_down = self.endpoint in _said_down
            if problem is None:
                _said_down.discard(self.endpoint)
            else:
                _said_down.add(self.endpoint)
        if problem is not None and not was_down:
            logger.warning(
                "nothing answers at the OpenTelemetry endpoint %s (%s); spans and metrics "
                "are dropped until it does: %s",
                self.endpoint,
                problem,
                self.advice,
            )
        elif problem is None and was_down:
            logger.info("the OpenTelemetry endpoint %s answers again", self.endpoint)
        return problem

    def reachable(self) -> bool:
        checked_at = self._checked_at
        if checked_at is None or self._clock() - checked_at >= self._recheck:
            return self.check() is None
        return self.problem is None


class GuardedSpanExporter(SpanExporter):
    """``inner``, skipped while its endpoint does not answer."""

    def __init__(self, inner: SpanExporter, reach: Reachability) -> None:
        self.inner = inner
        self.reach = reach

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not self.reach.reachable():
            return SpanExportResult.FAILURE
        result = self.inner.export(spans)
        if result is not SpanExportResult.SUCCESS:
            self.reach.check()  # gone since the last check? then stop trying for a while
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


class GuardedMetricExporter(MetricExporter):
    """``inner``, skipped while its endpoint does not answer."""

    def __init__(self, inner: MetricExporter, reach: Reachability) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner
        self.reach = reach

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        if not self.reach.reachable():
            return MetricExportResult.FAILURE
        result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        if result is not MetricExportResult.SUCCESS:
            self.reach.check()
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis=timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)
