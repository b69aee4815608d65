"""A team on a PostgreSQL server: set-up, blinding proved with raw SQL over each coder's own connection,
push and pull, codebook changes heard live, faults, and every bad input as one line with exit status 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualcode.core.coding_session import CodingSession
from qualcode.core.errors import BadInput
from qualcode.core.project import Project
from qualcode.core.team_server import add_coder, init, unblind
from tests.conftest import REPO, raw_rows
from tests.two_coders import coded_sample_study

CODEBOOK = REPO / "codebooks" / "back2school.yaml"


def qualcode(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qualcode", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _set_up_team(server) -> str:
    """A study on ``server``: lead carol, coders alice and bob, three sample transcripts; its database name."""
    name = server.new_database()
    with init(server.url(name), study="Back to school", lead="carol", codebook=CODEBOOK) as project:
        project.import_files(sorted((REPO / "transcripts_sample").glob("P[1-3]_*.txt")))
    for coder in ("alice", "bob"):
        add_coder(server.url(name), coder)
    return name


@pytest.fixture
def team(postgres):
    """A study on the test server (see `_set_up_team`); its database name."""
    name = _set_up_team(postgres)
    yield name
    postgres.drop_database(name)


@pytest.fixture
def restartable(postgres):
    """A server this test may restart: the run's own cluster, or (when the run was given a server it did not
    start) a throw-away cluster of its own; with a team study on it. (server, database name)."""
    from tests.conftest import TestServer
    from tests.postgres_cluster import binaries, start, stop

    if postgres.folder is not None:
        name = _set_up_team(postgres)
        yield postgres, name
        postgres.drop_database(name)
        return
    if binaries() is None:
        pytest.skip("the run's server was not started here and no PostgreSQL binaries can start one to restart")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="qcpg-"))
    server = TestServer(start(folder), folder)
    try:
        yield server, _set_up_team(server)
    finally:
        stop(folder)


def _code_some(url: str, coder: str, n: int = 6) -> list[tuple[int, str]]:
    with Project.open(url) as project:
        segments = project.store.transcripts.all_segments()
        codes = [c.id for c in project.codebook().codes if c.codable]
        offset = 0 if coder == "alice" else 1
        rows = [(segments[i].id, codes[(i + offset) % len(codes)]) for i in range(offset, 2 * n, 2)]
        project.store.codings.add_many(rows, coder)
        transcript = project.store.transcripts.all()[0]
        project.store.memos.set_on_segment(rows[0][0], coder, f"{coder}'s memo")
        project.store.codings.add_span(transcript.id, 3, 20, codes[0], coder)
        project.store.journal.add(coder, f"{coder}'s journal")
        project.store.codings.mark_done([transcript.id], coder)
        project.store.codings.reject_suggestion(rows[1][0], codes[-1], coder)
        return rows


OWN_TABLES = ("codings", "spans", "memos", "transcripts_done", "rejected_suggestions")


def test_each_coder_reads_only_their_own_work_in_raw_sql(postgres, team):
    for coder in ("alice", "bob"):
        _code_some(postgres.url(team, coder), coder)
    coders = dict(raw_rows(postgres.url(team), "SELECT name, id FROM coders"))
    for coder in ("alice", "bob"):
        url = postgres.url(team, coder)
        for table in OWN_TABLES:
            seen = {r[0] for r in raw_rows(url, f"SELECT coder_id FROM {table}")}
            assert seen == {coders[coder]}, f"{coder} reads only their own {table}"
        assert {r[0] for r in raw_rows(url, "SELECT author FROM journal")} == {coder}
    lead = postgres.url(team, "carol")
    assert {r[0] for r in raw_rows(lead, "SELECT coder_id FROM codings")} == {coders["alice"], coders["bob"]}


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO codings (segment_id, code_id, coder_id, created_at) "
        "SELECT (SELECT MIN(id) FROM segments), (SELECT MIN(id) FROM codes), id, 'now' FROM coders WHERE name = 'alice'",
        "UPDATE codings SET starred = 1",
        "DELETE FROM codings",
        "INSERT INTO memos (coder_id, segment_id, text, updated_at) "
        "SELECT id, (SELECT MIN(id) FROM segments), 'forged', 'now' FROM coders WHERE name = 'alice'",
        "INSERT INTO journal (author, at, text) VALUES ('alice', 'now', 'forged')",
        "INSERT INTO transcripts_done (transcript_id, coder_id, done_at) "
        "SELECT (SELECT MIN(id) FROM transcripts), id, 'now' FROM coders WHERE name = 'alice'",
        "UPDATE codes SET name = 'renamed'",
        "DELETE FROM decisions",
        "UPDATE server_state SET blinded = false",
    ],
)
def test_bob_cannot_write_as_alice_nor_touch_the_codebook(postgres, team, statement):
    import psycopg

    _code_some(postgres.url(team, "alice"), "alice")
    before = raw_rows(postgres.url(team), "SELECT coder_id, segment_id, code_id, starred FROM codings ORDER BY 1, 2, 3")
    try:
        changed = raw_rows(postgres.url(team, "bob"), statement + " RETURNING 1")
    except psycopg.errors.InsufficientPrivilege:
        changed = []
    assert changed == [], "refused, or nothing of alice's reached"
    assert (
        raw_rows(postgres.url(team), "SELECT coder_id, segment_id, code_id, starred FROM codings ORDER BY 1, 2, 3")
        == before
    )
    assert raw_rows(postgres.url(team), "SELECT COUNT(*) FROM journal WHERE text = 'forged'") == [(0,)]
    assert raw_rows(postgres.url(team), "SELECT blinded FROM server_state") == [(True,)]


def test_the_lead_resolves_and_edits_the_codebook_and_unblind_opens_reading_only(postgres, team):
    alice, bob = (_code_some(postgres.url(team, c), c) for c in ("alice", "bob"))
    lead_url = postgres.url(team, "carol")
    with Project.open(lead_url) as lead:
        resolution = lead.resolution("alice", "bob", "carol")
        assert resolution.queue, "the lead sees both coders' work"
        resolution.decide(0, "a", note="alice's reading")
        workload = lead.codebook().find("Workload")
        lead.update_code(workload.id, actor="carol", seen=workload.version, description="Extra work.")
    assert raw_rows(postgres.url(team, "alice"), "SELECT COUNT(*) FROM decisions") == [(0,)], "blind: no decisions"
    with Project.open(postgres.url(team, "alice")) as project:
        assert project.codebook().find("Workload").description == "Extra work."
        with pytest.raises(BadInput, match="refused this.*ask the study's lead"):
            project.update_code(workload.id, actor="alice", description="mine")
    unblind(postgres.url(team))
    bob_sees = {
        r[0]
        for r in raw_rows(postgres.url(team, "bob"), "SELECT k.name FROM codings c JOIN coders k ON k.id = c.coder_id")
    }
    assert bob_sees == {"alice", "bob", "consensus"}
    assert raw_rows(postgres.url(team, "bob"), "SELECT COUNT(*) FROM decisions") == [(1,)]
    assert (
        raw_rows(
            postgres.url(team, "bob"),
            "DELETE FROM codings WHERE coder_id <> (SELECT id FROM coders WHERE name = 'bob') RETURNING 1",
        )
        == []
    ), "still writes only their own"
    assert len(alice) and len(bob)


def test_push_then_pull_keeps_every_row(postgres, tmp_path):
    source = coded_sample_study(tmp_path / "study.qc")
    source.store.journal.add("carol", "pushed")
    source.close()
    name = postgres.new_database()
    url = postgres.url(name)
    done = qualcode("server", "push", str(tmp_path / "study.qc"), url, "--lead", "carol")
    assert done.returncode == 0, done.stderr
    assert "pushed" in done.stdout
    pulled = tmp_path / "snapshot.qc"
    assert qualcode("server", "pull", url, "-o", str(pulled)).returncode == 0
    from qualcode.core.store.transfer import TABLES

    for table in TABLES:
        assert raw_rows(pulled, f"SELECT * FROM {table} ORDER BY 1") == raw_rows(
            tmp_path / "study.qc", f"SELECT * FROM {table} ORDER BY 1"
        ), table
    with Project.open(url) as project:
        # new rows after a push get new ids, past the copied ones
        entry = project.store.journal.add("carol", "on the server")
        assert entry.id == max(e.id for e in project.store.journal.entries())
        assert project.store.journal.entries()[0].text == "pushed"
    postgres.drop_database(name)


def test_a_push_onto_the_same_study_needs_replace_and_onto_another_is_refused(postgres, tmp_path):
    first = coded_sample_study(tmp_path / "a.qc")
    first.close()
    Project.create(tmp_path / "b.qc").close()
    name = postgres.new_database()
    url = postgres.url(name)
    assert qualcode("server", "push", str(tmp_path / "a.qc"), url, "--lead", "carol").returncode == 0
    count = raw_rows(url, "SELECT COUNT(*) FROM codings")
    again = qualcode("server", "push", str(tmp_path / "a.qc"), url)
    assert again.returncode == 2 and "--replace" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    other = qualcode("server", "push", str(tmp_path / "b.qc"), url, "--replace")
    assert other.returncode == 2 and "another study" in other.stderr
    assert raw_rows(url, "SELECT COUNT(*) FROM codings") == count, "nothing changed"
    with Project.open(tmp_path / "a.qc") as project:
        project.store.codings.remove_many(project.store.codings.pairs("alice")[:5], "alice")
    replaced = qualcode("server", "push", str(tmp_path / "a.qc"), url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert raw_rows(url, "SELECT COUNT(*) FROM codings") == [(count[0][0] - 5,)]
    assert raw_rows(url, "SELECT role, kind FROM server_roles") == [("carol", "lead")], "the team stays"
    postgres.drop_database(name)


def test_commands_take_the_url_where_they_take_a_file(postgres, team, tmp_path):
    for coder in ("alice", "bob"):
        _code_some(postgres.url(team, coder), coder)
    lead = postgres.url(team, "carol")
    agree = qualcode("agree", lead, "--coders", "alice", "bob", "--bootstrap", "0", "--format", "csv")
    assert agree.returncode == 0, agree.stderr
    assert "Workload" in agree.stdout or "code" in agree.stdout.splitlines()[0]
    report = tmp_path / "tables.docx"
    export = qualcode("export", "docx", lead, "--coder", "alice", "-o", str(report))
    assert export.returncode == 0, export.stderr
    assert report.stat().st_size > 0
    found = qualcode("search", postgres.url(team, "alice"), "school")
    assert found.returncode == 0, found.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://alice:secret@127.0.0.1/x", "holds a password"),
        ("postgresql://127.0.0.1:1/x", "cannot be reached"),
        ("postgresql://postgres@%(host)s:%(port)s/no_such_database", "no such database"),
        ("postgresql://nobody_known@%(host)s:%(port)s/%(db)s", "knows no such user"),
        ("postgresql://locked_out@%(host)s:%(port)s/%(db)s", "refused the login"),
        ("postgresql://postgres@%(host)s:%(port)s/postgres", "holds no qualcode study"),
        ("postgresql://stranger@%(host)s:%(port)s/%(db)s", "refused this"),
    ],
)
def test_bad_urls_and_logins_are_one_line_with_exit_2(postgres, team, url, message):
    postgres.sql("DO $$ BEGIN CREATE ROLE locked_out LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    postgres.sql("DO $$ BEGIN CREATE ROLE stranger LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    target = url % {"host": postgres.host, "port": postgres.port, "db": team}
    done = qualcode("agree", target, "--coders", "alice", "bob", env={"PGPASSWORD": ""})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "secret" not in done.stderr


def test_a_server_of_a_newer_schema_is_refused(postgres, team):
    postgres.sql("UPDATE qualcode_schema SET version = version + 1", database=team)
    done = qualcode("log", postgres.url(team, "alice"))
    assert done.returncode == 2 and "newer qualcode" in done.stderr


def test_the_lead_s_codebook_edits_are_heard_by_open_sessions(postgres, team):
    with Project.open(postgres.url(team, "alice")) as coder:
        watch = coder.watch_codebook()
        assert watch is not None
        try:
            assert watch.wait(0.2) is False, "quiet while nobody edits"
            with Project.open(postgres.url(team, "carol")) as lead:
                lead.add_code("Parents' evenings", lead.codebook().find("Workload").id, actor="carol")
            assert watch.wait(5) is True
            assert coder.codebook().find("Parents' evenings") is not None
        finally:
            watch.close()


def test_a_lost_connection_keeps_the_change_pending_until_the_server_answers(postgres, team):
    url = postgres.url(team, "alice")
    with Project.open(url, busy_timeout=0.2) as project:
        session = CodingSession(project.store, "alice", project.store.transcripts.all()[0].id)
        code = next(c for c in session.codebook.codes if c.codable)
        session.toggle([1], code.id)
        postgres.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'alice' AND pid <> pg_backend_pid()"
        )
        session.toggle([2], code.id)
        assert session.pending_count in (0, 1)
        if session.pending_count:
            assert session.retry_pending(), "the connection is made again and the change written"
        assert session.pending_count == 0
    rows = raw_rows(
        postgres.url(team),
        "SELECT segment_id FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = 'alice')",
    )
    assert {r[0] for r in rows} == {session.segments[1].id, session.segments[2].id}


def test_a_server_restart_under_a_coding_session_loses_nothing_shown_as_saved(restartable):
    from tests.postgres_cluster import restart

    server, team = restartable
    url = server.url(team, "alice")
    with Project.open(url, busy_timeout=0.2) as project:
        session = CodingSession(project.store, "alice", project.store.transcripts.all()[0].id)
        code = next(c for c in session.codebook.codes if c.codable)
        session.toggle([1], code.id)
        restart(server.folder)
        session.toggle([2], code.id)
        deadline = time.monotonic() + 5
        while session.pending_count and time.monotonic() < deadline:
            time.sleep(0.1)
            session.retry_pending()
        assert session.pending_count == 0
    rows = raw_rows(url, "SELECT segment_id FROM codings")
    assert {r[0] for r in rows} == {session.segments[1].id, session.segments[2].id}


KILLED = """
import sys, time
from qualcode.core.store import Store
with Store(sys.argv[1]) as store:
    segments = [s.id for s in store.transcripts.all_segments()]
    code = next(c.id for c in store.codebook.codes() if c.codable)
    with store.transaction():
        for s in segments:
            store.codings.add(s, code, "alice")
        print("inside", flush=True)
        time.sleep(60)
"""


def test_a_killed_client_leaves_no_half_written_change(postgres, team):
    url = postgres.url(team, "alice")
    child = subprocess.Popen([sys.executable, "-c", KILLED, url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "inside"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    deadline = time.monotonic() + 10
    while raw_rows(postgres.url(team), "SELECT COUNT(*) FROM pg_stat_activity WHERE usename = 'alice'") != [(0,)]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert raw_rows(postgres.url(team), "SELECT COUNT(*) FROM codings") == [(0,)]


def test_init_and_a_qdpx_import_onto_a_url_point_to_the_server_commands(postgres, team, tmp_path):
    url = postgres.url(postgres.new_database())
    done = qualcode("init", url)
    assert done.returncode == 2 and "qualcode server init" in done.stderr
    assert raw_rows(url, "SELECT to_regclass('codes') IS NULL") == [(True,)], "nothing made"
    blinded = qualcode("agree", postgres.url(team, "alice"), "--coders", "alice", "bob")
    assert blinded.returncode == 2 and "only the lead reads every coder's codings" in blinded.stderr


def test_push_and_pull_refuse_what_they_cannot_do(postgres, team, tmp_path):
    taken = tmp_path / "taken.qc"
    taken.write_text("mine")
    done = qualcode("server", "pull", postgres.url(team), "-o", str(taken))
    assert done.returncode == 2 and "already exists" in done.stderr and taken.read_text() == "mine"
    missing = qualcode("server", "push", str(tmp_path / "none.qc"), postgres.url(team))
    assert missing.returncode == 2 and "no such project file" in missing.stderr
    nolead = qualcode("server", "push", str(_new_file(tmp_path)), postgres.url(postgres.new_database()))
    assert nolead.returncode == 2 and "--lead" in nolead.stderr
    not_a_coder = qualcode("server", "coder", "remove", postgres.url(team), "zed")
    assert not_a_coder.returncode == 2 and "not a coder" in not_a_coder.stderr


def _new_file(folder: Path) -> Path:
    Project.create(folder / "new.qc").close()
    return folder / "new.qc"


def test_a_server_study_of_an_older_schema_is_migrated_forward(postgres, team, monkeypatch):
    from qualcode.core.store import Store
    from qualcode.core.store import postgres as engine

    monkeypatch.setattr(engine, "SCHEMA_VERSION", engine.SCHEMA_VERSION + 1)
    monkeypatch.setitem(engine.PG_MIGRATIONS, engine.SCHEMA_VERSION - 1, "CREATE TABLE extra (x INTEGER);")
    with Store(postgres.url(team)) as store:
        assert store.schema_version() == engine.SCHEMA_VERSION
        store.database.execute("INSERT INTO extra VALUES (1)")
    assert raw_rows(postgres.url(team), "SELECT version FROM qualcode_schema") == [(engine.SCHEMA_VERSION,)]


def test_a_lock_held_on_the_server_keeps_the_change_pending_as_busy_not_lost(postgres, team):
    import psycopg

    with Project.open(postgres.url(team, "alice"), busy_timeout=0.2) as project:
        session = CodingSession(project.store, "alice", project.store.transcripts.all()[0].id)
        code = next(c for c in session.codebook.codes if c.codable)
        with psycopg.connect(postgres.url(team)) as holder:  # a long push --replace holds such a lock
            holder.execute("LOCK TABLE codings IN ACCESS EXCLUSIVE MODE")
            session.toggle([1], code.id)
            assert session.pending_count == 1 and not session.connection_lost
            assert session.retry_pending() == [] and session.pending_count == 1, "a retry does not wait long"
        assert session.retry_pending() and session.pending_count == 0
    assert raw_rows(postgres.url(team), "SELECT COUNT(*) FROM codings") == [(1,)]
