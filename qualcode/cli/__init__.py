"""The command line: parse arguments, call `Project`, print, set the exit status.

Kept light on purpose: `qualcode --help` must not import spaCy, pandas or
python-docx, so every command imports what it needs inside its function.
Each command group's parser sits beside its handlers.
"""

from __future__ import annotations

import argparse
import errno
import os
import sqlite3
import sys
from collections.abc import Sequence

from qualcode.cli import exports, research, server, setup, team, text
from qualcode.cli._io import err
from qualcode.core.errors import ProjectBusy, QualcodeError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qualcode",
        description="Thematic analysis of interview transcripts: code, compare two coders, resolve, export.",
    )
    from qualcode.version import __version__

    parser.add_argument("--version", action="version", version=f"qualcode {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in (setup, team, server, exports, text, research):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "codebook" and args.action in ("rename", "move", "merge", "delete") and args.file:
        args.values = [args.file, *args.values]
        args.file = None
    try:
        status = int(args.func(args))
        sys.stdout.flush()
        return status
    except QualcodeError as e:
        err(f"qualcode: {e}")
        return e.exit_status
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            # The store turns a busy file into ProjectBusy with the exact wait; this is for
            # one that got past it, and says the same.
            err(f"qualcode: {ProjectBusy(str(getattr(args, 'project', '')))}")
        else:
            err(f"qualcode: {getattr(args, 'project', '')}: the project file is damaged or unreadable ({e})")
        return 2
    except sqlite3.IntegrityError as e:
        # A name or id that must be unique is taken: the input clashes with the project, which is intact.
        err(
            f"qualcode: {getattr(args, 'project', '')}: the input clashes with what the project holds already ({e}); "
            "rename the item or remove the other one; nothing was written"
        )
        return 2
    except sqlite3.DatabaseError as e:
        err(f"qualcode: {getattr(args, 'project', '')}: the project file is damaged ({e}); restore it from a backup")
        return 2
    except BrokenPipeError:
        # The reader of our output (``| head``) has gone: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:
        if e.errno == errno.ENOSPC:
            err(f"qualcode: {e.filename or ''}: the disk is full; nothing was half-written")
            return 2
        if e.filename is not None:
            # A path the system refuses (too long, no permission, a folder that vanished): the user's to change.
            err(f"qualcode: {e.filename}: cannot be used ({e.strerror or e}); choose another path")
            return 2
        raise
    except KeyboardInterrupt:
        err("qualcode: interrupted; nothing was half-written")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
