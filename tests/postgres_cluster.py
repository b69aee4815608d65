"""A throw-away PostgreSQL cluster for the server tests: made in a folder, on a free local port, removed after.

Used by the test fixtures (when ``QUALCODE_TEST_POSTGRES`` names no server) and by ``.ci/run``::

    python -m tests.postgres_cluster start DIR   # prints the superuser's URL
    python -m tests.postgres_cluster stop DIR

PostgreSQL refuses to run as root, so as root the cluster belongs to ``nobody``.
Logins are trusted on loopback except for the role ``locked_out``, which needs a
password it is never given: the tests of a refused login use it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

HBA = """\
local all all trust
host all locked_out 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
"""


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin (newest)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "nobody", "--", *command]


def start(folder: Path) -> str:
    """Make and start a cluster in ``folder``; the superuser's URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
        os.chmod(folder, 0o755)
    subprocess.run(
        _as_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    (data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100 "
        "-c shared_buffers=128MB"
    )
    subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (folder / "port").write_text(str(port), encoding="utf-8")
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` (fast: the sessions are ended) and remove the folder."""
    bin_dir = binaries()
    data = folder / "data"
    if bin_dir is not None and data.exists():
        subprocess.run(
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    shutil.rmtree(folder, ignore_errors=True)


def restart(folder: Path) -> None:
    """Stop and start the cluster again on the same port (a server restart under the clients)."""
    bin_dir = binaries()
    assert bin_dir is not None
    data = folder / "data"
    subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "restart"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.1)


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        print(start(where))
    elif action == "stop":
        stop(where)
    else:
        raise SystemExit(f"usage: python -m tests.postgres_cluster start|stop DIR (not {action})")
