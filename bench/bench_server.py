"""Speed and load of a study on a PostgreSQL server, against the same study as a file.

Run by hand:  python bench/bench_server.py [--url postgresql://postgres@HOST:PORT/postgres] [--only load|big|push]

Without --url it starts a throw-away cluster (tests/postgres_cluster.py) and removes it after.

Prints:
- load: 20 coders at once (processes, each its own role under row-level security), each toggling a code on a
  random segment of the workbench's coding session every 200 ms for 60 s: the commit latency (median, 95th
  percentile, max), the refusals (busy, deadlocks), and whether the codings counted afterwards are exactly
  what each coder's session holds (none lost, none twice);
- big: `qualcode agree` and `qualcode export docx` on 100,000 segments and about a million codings, on the
  file and on the server (after `server push`), and the ratio;
- push: `qualcode server push` of the 1,000,000-word project (imported by sentence) and of the big one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.postgres_cluster import start, stop  # noqa: E402


def url_for(admin: str, database: str, user: str | None = None) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(admin)
    who = user or info.get("user", "postgres")
    return f"postgresql://{who}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{database}"


def admin_sql(admin: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)


def qualcode(*args: str) -> float:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"qualcode {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return time.perf_counter() - t


# -- load ------------------------------------------------------------------------------


def coder_process(url: str, coder: str, seconds: float, interval: float, seed: int, out: multiprocessing.Queue) -> None:
    from qualcode.core.coding_session import CodingSession
    from qualcode.core.errors import ProjectBusy
    from qualcode.core.project import Project

    rng = random.Random(seed)
    latencies: list[float] = []
    refused = 0
    with Project.open(url, busy_timeout=1.0) as project:
        transcripts = project.store.transcripts.all()
        session = CodingSession(project.store, coder, rng.choice(transcripts).id)
        codes = [c.id for c in session.codebook.codes if c.codable]
        deadline = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            position = rng.randrange(len(session.segments))
            t = time.perf_counter()
            try:
                session.toggle([position], rng.choice(codes))
                if session.pending_count:
                    refused += 1
                    while session.pending_count:
                        time.sleep(0.01)
                        session.retry_pending()
            except ProjectBusy:
                refused += 1
            latencies.append(time.perf_counter() - t)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        held = sum(len(codes_here) for codes_here in session.whole)
    out.put((coder, latencies, refused, held))


def load(admin: str, demo: Path, coders: int, seconds: float, interval: float) -> None:
    from qualcode.core.team_server import add_coder, push

    database = "bench_load"
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    push(demo, url_for(admin, database), lead="carol")
    names = [f"coder{i:02d}" for i in range(1, coders + 1)]
    for name in names:
        add_coder(url_for(admin, database), name)
    queue: multiprocessing.Queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=coder_process, args=(url_for(admin, database, name), name, seconds, interval, i, queue)
        )
        for i, name in enumerate(names)
    ]
    for p in processes:
        p.start()
    results = [queue.get() for _ in processes]
    for p in processes:
        p.join()
    latencies = sorted(x for _c, lat, _r, _h in results for x in lat)
    refused = sum(r for _c, _l, r, _h in results)
    import psycopg

    with psycopg.connect(url_for(admin, database), autocommit=True) as conn:
        counted = dict(
            conn.execute("SELECT k.name, COUNT(*) FROM codings c JOIN coders k ON k.id = c.coder_id GROUP BY k.name")
        )
        deadlocks = conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()[0]
    mismatched = [c for c, _l, _r, held in results if counted.get(c, 0) != held]
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"load: {coders} coders × {seconds:g} s, a toggle every {interval * 1000:g} ms: {len(latencies):,} commits; "
        f"latency median {statistics.median(latencies) * 1000:.1f} ms, 95th percentile {p95 * 1000:.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms; refused {refused}; deadlocks {deadlocks}; "
        f"codings counted afterwards {'match every session' if not mismatched else f'DIFFER for {mismatched}'} "
        f"({sum(counted.values()):,} in all)"
    )
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


# -- big -----------------------------------------------------------------------------------


def big(admin: str, folder: Path, segments: int, codes: int) -> None:
    from bench_agreement import build_project

    path, total = build_project(folder, segments, codes)
    database = "bench_big"
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    url = url_for(admin, database)
    pushed = qualcode("server", "push", str(path), url, "--lead", "carol")
    print(f"push: {segments:,} segments, {total:,} codings: {pushed:.1f} s")
    agree = ["--coders", "alice", "bob", "--by", "code,theme,transcript", "--bootstrap", "0", "--format", "json"]
    for what, args in (
        ("agree", lambda target: ["agree", target, *agree]),
        ("export docx", lambda target: ["export", "docx", target, "--coder", "alice", "-o", str(folder / "r.docx")]),
    ):
        on_file = min(qualcode(*args(str(path))) for _ in range(2))
        on_server = min(qualcode(*args(url)) for _ in range(2))
        print(
            f"{what} on {total:,} codings: file {on_file:.2f} s, server {on_server:.2f} s "
            f"({on_server / on_file:.2f}×, process start included)"
        )
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def push_words(admin: str, folder: Path, words: int) -> None:
    from bench_import import make_corpus

    from qualcode.core.project import Project

    corpus = folder / "corpus"
    corpus.mkdir()
    make_corpus(corpus, words, 100)
    with Project.create(folder / "words.qc", codebook=ROOT / "codebooks" / "back2school.yaml") as project:
        project.import_files(sorted(corpus.glob("*.txt")), unit="sentence")
        segments = project.store.transcripts.segment_ids()
        # as a study in use: its search index built, two coders' codings on about a third of the sentences
        project.search("workload")
        codes = [c.id for c in project.codebook().codes if c.codable]
        rng = random.Random(3)
        for coder in ("alice", "bob"):
            project.store.codings.add_many([(s, rng.choice(codes)) for s in segments if rng.random() < 0.35], coder)
        codings = project.store.codings.count("alice") + project.store.codings.count("bob")
    database = "bench_words"
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    seconds = qualcode("server", "push", str(folder / "words.qc"), url_for(admin, database), "--lead", "carol")
    size = (folder / "words.qc").stat().st_size
    print(
        f"push: {words:,} words, {len(segments):,} sentences, {codings:,} codings, the search index, "
        f"a {size / 1e6:.0f} MB file: {seconds:.1f} s"
    )
    pulled = qualcode("server", "pull", url_for(admin, database), "-o", str(folder / "pulled.qc"))
    print(f"pull of the same: {pulled:.1f} s")
    admin_sql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a superuser's URL; without it a throw-away cluster is started")
    parser.add_argument("--only", choices=["load", "big", "push"])
    parser.add_argument("--coders", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=50)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qcbench-") as tmp:
        folder = Path(tmp)
        cluster = None
        admin = args.url
        if admin is None:
            cluster = Path(tempfile.mkdtemp(prefix="qcpg-"))
            admin = start(cluster)
        try:
            if args.only in (None, "load"):
                from qualcode.core.demo import build_demo

                demo = build_demo(folder / "demo")
                load(admin, demo, args.coders, args.seconds, args.interval)
            if args.only in (None, "big"):
                big(admin, folder, args.segments, args.codes)
            if args.only in (None, "push"):
                push_words(admin, folder, args.words)
        finally:
            if cluster is not None:
                stop(cluster)


if __name__ == "__main__":
    main()
