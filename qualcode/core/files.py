"""Writing files safely: every output appears whole or not at all, and never over what it was made from.

A file is written under a temporary name in its destination folder and moved
into place (`os.replace`, atomic on one file system) only when complete, so a
command killed half-way leaves the earlier file as it was. A symlink at the
target is replaced by the new file, never written through. Temporary files a
killed command left behind carry a recognisable prefix and the writer's
process id, and the next write into the same folder removes those whose
process is gone.

Outputs are checked against the command's inputs first: a project file, its
``-wal``/``-shm`` companions, or any file the command reads is never a target.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.core.errors import BadInput

TEMP_PREFIX = ".qualcode-partial-"
"""The name every temporary output starts with, so stale ones can be found and removed."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _companions(path: Path) -> list[Path]:
    """A project file and the files SQLite keeps beside it while it is open."""
    return [
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
        path.with_name(path.name + "-journal"),
    ]


def guard_output(target: str | Path, *, inputs: Iterable[str | Path] = (), projects: Iterable[str | Path] = ()) -> Path:
    """Refuse an output path that is one of the inputs or a project (or its SQLite companions).

    Paths are compared resolved and by device and inode, so another name for
    the same file (a symlink, a hard link, ``./x`` against ``x``) is caught too.
    """
    out = Path(target)
    protected: list[Path] = [Path(p) for p in inputs]
    for project in projects:
        protected.extend(_companions(Path(project)))
    out_resolved = out.resolve()
    out_id = _identity(out)
    for other in protected:
        same = out_resolved == other.resolve()
        if not same and out_id is not None:
            same = out_id == _identity(other)
        if same:
            raise BadInput(
                f"is what this command reads ({other}); write the output to another file",
                where=str(target),
            )
    return out


@contextmanager
def atomic_file(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """A temporary file beside ``path``, moved onto it when the block succeeds and removed when it fails."""
    with atomic_files([Path(path)], suffix) as [temporary]:
        yield temporary


@contextmanager
def atomic_files(paths: list[Path], suffix: str = "") -> Iterator[list[Path]]:
    """Like `atomic_file` for several outputs: all are moved into place only when every one is written."""
    temporaries: list[Path] = []
    try:
        for path in paths:
            temporaries.append(_temporary_for(path, suffix or path.suffix))
        yield temporaries
        for temporary, path in zip(temporaries, paths, strict=True):
            try:
                os.replace(temporary, path)
            except OSError as e:
                raise BadInput(f"cannot be written ({e.strerror})", where=str(path)) from e
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write a UTF-8 text file atomically."""
    with atomic_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write a file atomically."""
    with atomic_file(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def _temporary_for(path: Path, suffix: str) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() and not path.is_symlink():
        raise BadInput("is a folder; give a file name", where=str(path))
    try:
        mode = path.lstat().st_mode
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        # A device, pipe or socket: renaming over it would replace /dev/null itself when run as root.
        raise BadInput("is not a regular file (a device, pipe or socket); give a file name", where=str(path))
    if not folder.is_dir():
        raise BadInput("the folder does not exist; create it or write elsewhere", where=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput("the folder is not writable; write elsewhere", where=str(path))
    remove_stale(folder)
    try:
        handle, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{path.name}.", suffix=suffix, dir=folder)
    except OSError as e:
        raise BadInput(f"cannot be written ({e.strerror})", where=str(path)) from e
    os.close(handle)
    # mkstemp makes the file private (0600); an export gets the user's usual permissions.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(name, 0o666 & ~mask)
    return Path(name)


def remove_stale(folder: Path) -> int:
    """Remove temporary outputs that commands no longer running left in a folder; returns how many."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        pid_text = entry.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
