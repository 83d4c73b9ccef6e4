"""MLflow as a trace backend, without importing ``mlflow``.

An MLflow server (3.x) takes plain OTLP/HTTP spans at ``{tracking_uri}/v1/traces`` when
the request names an experiment in the ``x-mlflow-experiment-id`` header, and reads the
GenAI attributes into span types (AGENT, CHAT_MODEL, TOOL) and token usage. All llmgine
needs of MLflow itself is that experiment's id: looked up by name over MLflow's REST API,
and created when it does not exist yet. Blocking (stdlib ``urllib``): call it off the
event loop.
"""

from __future__ import annotations

import json
from typing import Any, Final

EXPERIMENT_HEADER: Final = "x-mlflow-experiment-id"
TRACES_PATH: Final = "/v1/traces"


class TracingSetupError(RuntimeError):
    """A trace backend named in the settings could not be set up (unreachable, refused)."""


def traces_endpoint(tracking_uri: str) -> str:
    return tracking_uri.rstrip("/") + TRACES_PATH


def experiment_id(tracking_uri: str, name: str, *, timeout: float = 10.0) -> str:
    """The id of MLflow experiment ``name`` on the server at ``tracking_uri``, created if new."""
    import urllib.parse  # here, not at the top: ``import llmgine.sinks`` stays light

    base = tracking_uri.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise TracingSetupError(
            f"the MLflow tracking URI {tracking_uri!r} is not an http(s) address; start "
            f"`mlflow server` and set LLMGINE_MLFLOW_TRACKING_URI to its URL "
            f"(e.g. http://127.0.0.1:5000)"
        )
    api = f"{base}/api/2.0/mlflow/experiments"
    query = urllib.parse.urlencode({"experiment_name": name})
    status, body = _call(f"{api}/get-by-name?{query}", None, timeout, tracking_uri)
    if status == 200:
        return str(body["experiment"]["experiment_id"])
    if body.get("error_code") != "RESOURCE_DOES_NOT_EXIST":
        raise _refused(tracking_uri, status, body)
    status, body = _call(f"{api}/create", {"name": name}, timeout, tracking_uri)
    if status == 200:
        return str(body["experiment_id"])
    if body.get("error_code") == "RESOURCE_ALREADY_EXISTS":  # created meanwhile by another
        status, body = _call(f"{api}/get-by-name?{query}", None, timeout, tracking_uri)
        if status == 200:
            return str(body["experiment"]["experiment_id"])
    raise _refused(tracking_uri, status, body)


def _call(
    url: str, payload: dict[str, Any] | None, timeout: float, tracking_uri: str
) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _json(exc.read())
    except (OSError, ValueError) as exc:  # refused, unreachable, timed out, bad address
        # The message says all the chain would (urllib's frames are three screens of it).
        raise TracingSetupError(
            f"could not reach the MLflow server at {tracking_uri!r} ({_reason(exc)}); start "
            f"it (`mlflow server --host 127.0.0.1 --port 5000`) or unset "
            f"LLMGINE_MLFLOW_TRACKING_URI"
        ) from None


def _reason(exc: BaseException) -> str:
    """``ConnectionRefusedError: [Errno 111] Connection refused``, from urllib's wrapper."""
    inner = getattr(exc, "reason", None)
    cause = inner if isinstance(inner, BaseException) else exc
    return f"{type(cause).__name__}: {cause}"


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"message": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {}


def _refused(tracking_uri: str, status: int, body: dict[str, Any]) -> TracingSetupError:
    detail = body.get("message") or body.get("error_code") or "no detail"
    return TracingSetupError(
        f"the MLflow server at {tracking_uri!r} refused the experiment lookup "
        f"(HTTP {status}: {detail}); check that it is an MLflow tracking server"
    )
