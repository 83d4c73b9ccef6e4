"""The viewer's JSON API: what the page asks for, answered from the logs folder.

Every endpoint reads; none writes. Paths and their parameters:

    /api/runs                          the runs, newest first (offset, limit)
    /api/runs/NAME                     one run: its summary and its sessions
    /api/runs/NAME/nodes               the children of a node (parent=root|S<n>|L<line>,
                                       offset, limit, focus: a child to page to)
    /api/runs/NAME/nodes/ID            a node's details: its messages, read back whole
    /api/runs/NAME/path                the ids from the top down to the node of a line (line)
    /api/runs/NAME/tail                the records past a line (after), waiting up to
                                       ``wait`` seconds for one to be written
    /api/search                        records matching a query (q, limit)
    /api/diff                          two runs compared (a, b: run names; sa, sb: sessions)

``Api.handle`` turns a path and its parameters into a status and a JSON-ready value, so it
is tested without a server; errors are ``{"error": "..."}`` saying what to do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from llmgine.logs import LogRecord, describe_record
from llmgine.viewer._details import node_details
from llmgine.viewer._diff import diff_indexes
from llmgine.viewer._folder import LogFolder, RunNotFoundError
from llmgine.viewer._query import QueryError, parse_query
from llmgine.viewer._tree import NodeNotFoundError, page_of

PAGE = 200
"""Children sent at a time: a node with more is opened a page at a time."""
MAX_WAIT = 25.0
"""The longest a tail request waits for a new line before answering with none."""
TAIL_POLL = 0.1
"""How often a waiting tail request looks at its log (seconds)."""
SESSIONS_LISTED = 200
"""Sessions in a run's table; the tree pages through them all."""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


Params = Mapping[str, str]


class Api:
    """Answers the page's requests from one folder."""

    def __init__(self, folder: LogFolder, stopping: threading.Event | None = None) -> None:
        self.folder = folder
        self.stopping = stopping or threading.Event()

    def handle(self, path: str, params: Params) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.strip("/").split("/")][1:]  # after "api"
        try:
            return 200, self._route(parts, params)
        except ApiError as exc:
            return exc.status, {"error": str(exc)}
        except RunNotFoundError as exc:
            return 404, {"error": f"no log named {exc.args[0]!r} in the folder"}
        except NodeNotFoundError as exc:
            return 404, {"error": f"no node {exc.args[0]!r} in this run"}
        except FileNotFoundError as exc:
            return 404, {"error": f"the log {exc.filename!s} is gone (removed or moved)"}

    def _route(self, parts: list[str], params: Params) -> Any:
        match parts:
            case ["runs"]:
                return self.runs(params)
            case ["runs", name]:
                return self.run(name)
            case ["runs", name, "nodes"]:
                return self.nodes(name, params)
            case ["runs", name, "nodes", node_id]:
                return node_details(self.folder.run(name), node_id)
            case ["runs", name, "path"]:
                return self.path(name, params)
            case ["runs", name, "tail"]:
                return self.tail(name, params)
            case ["search"]:
                return self.search(params)
            case ["diff"]:
                return self.diff(params)
        raise ApiError(404, "no such endpoint: see /api/runs")

    # -- runs -----------------------------------------------------------------------------

    def runs(self, params: Params) -> Any:
        offset = _int(params, "offset", 0, 0)
        limit = _int(params, "limit", 50, 1, 500)
        paths = self.folder.paths()
        listed = []
        for path in paths[offset : offset + limit]:
            try:
                summary, problem = self.folder.summary(path)
                size = path.stat().st_size
            except OSError:
                continue  # removed while listing
            listed.append(
                {"name": path.name, "size": size, "problem": problem, **summary.as_json()}
            )
        return {"folder": str(self.folder.folder), "total": len(paths), "runs": listed}

    def run(self, name: str) -> Any:
        index = self.folder.run(name)
        tree = index.tree()
        sessions = [tree.session_json(s) for s in tree.sessions[:SESSIONS_LISTED]]
        return {
            "name": index.name,
            "size": index.follower.offset,
            "problem": index.follower.problem,
            "skipped": index.follower.skipped,
            "last_line": index.lines[-1] if index.lines else 0,
            **index.summary.as_json(),
            "sessions": len(tree.sessions),  # as drawn: a workflow's steps inside its run
            "session_nodes": sessions,
            "sessions_total": len(tree.sessions),
        }

    def nodes(self, name: str, params: Params) -> Any:
        tree = self.folder.run(name).tree()
        parent = params.get("parent", "root")
        limit = _int(params, "limit", PAGE, 1, 1000)
        offset = _int(params, "offset", 0, 0)
        focus = params.get("focus")
        if parent == "root":
            ids = [s.id for s in tree.sessions]
            offset = page_of(ids, focus, offset, limit)
            nodes = [tree.session_json(s) for s in tree.sessions[offset : offset + limit]]
            return {"parent": parent, "total": len(ids), "offset": offset, "nodes": nodes}
        children = tree.children(parent)
        if focus is not None:
            offset = page_of([f"L{s.record.line}" for s, _ in children], focus, offset, limit)
        page = children[offset : offset + limit]
        nodes = [tree.step_json(step, label) for step, label in page]
        return {"parent": parent, "total": len(children), "offset": offset, "nodes": nodes}

    def path(self, name: str, params: Params) -> Any:
        line = _int(params, "line", 0, 1)
        return {"line": line, "path": self.folder.run(name).tree().path(line)}

    def tail(self, name: str, params: Params) -> Any:
        after = _int(params, "after", 0, 0)
        wait = min(_float(params, "wait", 0.0), MAX_WAIT)
        index = self.folder.run(name)
        deadline = time.monotonic() + wait
        records = index.after(after)
        while not records and time.monotonic() < deadline and not self.stopping.is_set():
            self.stopping.wait(TAIL_POLL)
            if index.refresh():
                records = index.after(after)
        shown = records[:PAGE]
        return {
            "records": [_tail_record(r) for r in shown],
            "last": shown[-1].line if shown else max(after, index.lines[-1] if index.lines else 0),
            "more": len(records) > len(shown),
        }

    # -- search and diff --------------------------------------------------------------------

    def search(self, params: Params) -> Any:
        text = params.get("q", "").strip()
        limit = _int(params, "limit", 200, 1, 1000)
        try:
            query = parse_query(text)
        except QueryError as exc:
            raise ApiError(400, str(exc)) from None
        if query.empty:
            raise ApiError(400, "type something to search for, or key:value (session:, type:, …)")
        started = time.perf_counter()
        hits, more = self.folder.search(query, limit)
        return {
            "q": text,
            "hits": [hit.as_json() for hit in hits],
            "more": more,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def diff(self, params: Params) -> Any:
        names = params.get("a"), params.get("b")
        if not names[0] or not names[1]:
            raise ApiError(400, "name two runs to compare: /api/diff?a=LOG&b=LOG")
        a, b = self.folder.run(names[0]), self.folder.run(names[1])
        try:
            diff = diff_indexes(a, params.get("sa"), b, params.get("sb"))
        except LookupError as exc:  # a session the run does not have
            raise ApiError(404, str(exc.args[0])) from None
        return diff.as_json()


def _tail_record(record: LogRecord) -> dict[str, Any]:
    moment = record.timestamp
    return {
        "line": record.line,
        "time": moment.isoformat() if moment else None,
        "kind": record.kind,
        "type": record.type,
        "session": record.session_id,
        "text": describe_record(record, 160),
    }


def _int(params: Params, key: str, default: int, low: int, high: int | None = None) -> int:
    text = params.get(key)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"{key} must be a whole number, not {text!r}") from None
    if value < low or (high is not None and value > high):
        allowed = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise ApiError(400, f"{key} must be {allowed}, not {value}")
    return value


def _float(params: Params, key: str, default: float) -> float:
    text = params.get(key)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ApiError(400, f"{key} must be a number of seconds, not {text!r}") from None
    if not value >= 0:
        raise ApiError(400, f"{key} must be 0 or more")
    return value
