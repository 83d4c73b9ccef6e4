"""``llmgine sessions list|show REF|delete REF``: the saved chat sessions.

The folder is ``--dir``, else the settings' ``sessions_dir`` (``LLMGINE_SESSIONS_DIR``,
default ``sessions``). REF is what ``SessionStore.resolve`` takes: an id, a unique start of
one (4 characters or more), a session's name, or ``latest``. ``delete`` asks no question
and says which session it deleted (by id); a REF that fits no session, or several, is an error
(status 1), as is a file that cannot be read for ``show``.
"""

from __future__ import annotations

import argparse
import sys

_FAILED = 1
_REF = "an id, a unique start of one (4+ characters), the session's name, or 'latest'"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", metavar="DIR", help="the sessions folder (default: sessions)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the saved sessions, newest first")
    listing.add_argument("--json", action="store_true", help="as a JSON array")
    show = actions.add_parser("show", help="show one session in full")
    show.add_argument("ref", metavar="REF", help=_REF)
    show.add_argument("--json", action="store_true", help="the session file's JSON")
    delete = actions.add_parser("delete", help="delete one session (without asking)")
    delete.add_argument("ref", metavar="REF", help=_REF)


def run(args: argparse.Namespace) -> int:
    import orjson

    from llmgine.config import load_settings
    from llmgine.context import (
        SessionError,
        SessionNotFoundError,
        SessionStore,
        record_lines,
        session_lines,
    )

    store = SessionStore(args.dir or load_settings().sessions_dir)
    try:
        if args.action == "list":
            if args.json:
                rows = [
                    {
                        "id": s.id,
                        "name": s.name,
                        "updated_at": s.updated_at.isoformat() if s.updated_at else None,
                        "message_count": s.message_count,
                        "error": s.error,
                    }
                    for s in store.list()
                ]
                print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
            else:
                print("\n".join(session_lines(store)))
        elif args.action == "show":
            record = store.load(store.resolve(args.ref))
            if args.json:
                print(record.model_dump_json(indent=2))
            else:
                print("\n".join(record_lines(record)))
        else:
            session_id = store.resolve(args.ref)
            if not store.delete(session_id):
                raise SessionNotFoundError(session_id, store.directory)
            print(f"deleted session {session_id}")
    except SessionNotFoundError as exc:
        reason = f" ({exc.reason})" if exc.reason else ""
        print(
            f"error: no saved session {exc.session_id!r} in {str(exc.directory)!r}{reason}; "
            "`llmgine sessions list` shows the saved ones",
            file=sys.stderr,
        )
        return _FAILED
    except SessionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return _FAILED
    return 0
