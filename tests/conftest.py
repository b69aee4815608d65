"""Fixtures shared by the test suites: small real projects on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SMALL_CODEBOOK = """\
name: Small study
codes:
  - name: School role and involvement
    key: "1"
    description: How the school takes part.
    children:
      - name: Workload
        key: w
        description: Extra work the intervention brings.
        inclusion: Time, tasks, meetings felt as a burden.
        exclusion: Lack of money; use Lack of resources.
        example: It was one more meeting every week.
        keywords: [workload, extra work]
        children:
          - name: Time pressure
            key: t
            description: Not enough hours in the day.
      - name: Entrance and recruitment
        key: e
        description: How students came into the programme.
  - name: Feedback
    key: "2"
    description: What worked and what did not.
    children:
      - name: Barriers
        key: b
        description: What stood in the way.
        children:
          - name: Lack of resources
            key: r
            description: Money, staff or rooms missing.
      - name: Success factors
        key: s
        description: What made it work.
"""

TRANSCRIPT = """\
Interviewer: How did you first hear about the programme?
P1: The psychologist came to a staff meeting. She explained the step-ladder plan. We were curious.
Interviewer: And the workload?
P1: It was one more meeting every week. Honestly, there was no time for it.
I had to skip lunch on Tuesdays.
Interviewer: What worked well?
P1: The common understanding with the parents worked well. We lacked money for an assistant, though.
"""


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def transcript_file(tmp_path: Path) -> Path:
    path = tmp_path / "P1_interview.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module that sets ``BOTH_ENGINES = True`` runs each test that uses ``engine`` (the ``project``
    fixture does) on a project file and on a study on the test PostgreSQL server."""
    if "engine" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_ENGINES", False):
        # A test of what only a file has (an older schema's file, SQLite's write lock) says so with file_only.
        file_only = metafunc.definition.get_closest_marker("file_only") is not None
        metafunc.parametrize("engine", ["file"] if file_only else ["file", "server"], indirect=True)


def raw_rows(target, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query over a connection of its own to a project file or a server study, beside qualcode's.

    ``sql`` uses ``?`` placeholders, as the store's SQL does.
    """
    from qualcode.core.store.postgres import is_server_url

    if is_server_url(target):
        import psycopg

        with psycopg.connect(str(target), autocommit=True) as conn:
            return [tuple(r) for r in conn.execute(sql.replace("?", "%s"), params or None).fetchall()]
    import sqlite3

    db = sqlite3.connect(target)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """Where the test's project lives: "file" (SQLite), or "server" (PostgreSQL) in a BOTH_ENGINES module."""
    return getattr(request, "param", "file")


@pytest.fixture(scope="session")
def postgres():
    """The PostgreSQL server of the run: ``QUALCODE_TEST_POSTGRES`` (a superuser's URL) when it is set, otherwise
    a throw-away cluster started here; skips, saying why, where neither psycopg nor a server can be had."""
    import os
    import tempfile

    from tests.postgres_cluster import binaries, start, stop

    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed; pip install -e '.[test]' brings it")
    url = os.environ.get("QUALCODE_TEST_POSTGRES")
    # The cluster's folder, when the run's own script started it: the restart tests need it.
    folder = (
        Path(os.environ["QUALCODE_TEST_POSTGRES_DIR"]) if url and os.environ.get("QUALCODE_TEST_POSTGRES_DIR") else None
    )
    started = False
    if not url:
        if binaries() is None:
            pytest.skip("no PostgreSQL server on this machine (initdb, pg_ctl); install postgresql to run these")
        # A short path: the server's Unix socket lives in it, and those paths are limited to about 100 bytes.
        folder = Path(tempfile.mkdtemp(prefix="qcpg-"))
        url = start(folder)
        started = True
    server = TestServer(url, folder)
    yield server
    if started:
        stop(folder)


class TestServer:
    """The test PostgreSQL server: new databases for tests, URLs to them as any role, raw SQL as the superuser."""

    __test__ = False

    def __init__(self, admin_url: str, folder: Path | None) -> None:
        from psycopg.conninfo import conninfo_to_dict

        self.admin_url = admin_url
        self.folder = folder
        info = conninfo_to_dict(admin_url)
        self.host, self.port = info.get("host", "127.0.0.1"), info.get("port", "5432")
        self._made = 0

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres", user: str = "postgres", params=None) -> list:
        """Run one statement over a fresh connection as ``user``; its rows (empty when it returns none)."""
        import psycopg

        with psycopg.connect(self.url(database, user), autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []

    def new_database(self) -> str:
        """A new empty database; its name."""
        import os

        self._made += 1
        name = f"qc_test_{os.getpid()}_{self._made}"
        self.sql(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def server_study(postgres):
    """The URL of a new empty database on the test server (as its superuser), dropped after the test."""
    name = postgres.new_database()
    yield postgres.url(name)
    postgres.drop_database(name)


@pytest.fixture
def project_target(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a new project goes: a file in the test's folder, or a new database on the test server."""
    if engine == "server":
        return request.getfixturevalue("server_study")
    return str(tmp_path / "study.qc")


@pytest.fixture
def project(project_target: str, engine: str, codebook_file: Path, transcript_file: Path):
    """A project with the small codebook and one imported transcript, by speaker turn."""
    from qualcode.core.project import Project

    p = Project.create(project_target, lang="en", codebook=codebook_file, server=engine == "server")
    p.import_files([transcript_file], unit="turn")
    yield p
    p.close()


AS_SCHEMA_9 = "ALTER TABLE codes DROP COLUMN version;"
"""SQL that takes a new project file back to the tables of schema 9 (what the migration to 10 adds, undone)."""

AS_SCHEMA_8 = AS_SCHEMA_9 + " DROP INDEX memos_one_per_code; DROP TABLE journal;"
"""SQL that takes a new project file back to the tables of schema 8 (what the migrations to 9 and 10 add,
undone)."""

AS_SCHEMA_7 = (
    AS_SCHEMA_8 + " ALTER TABLE decisions DROP COLUMN spans; DROP INDEX memos_one_per_passage; "
    "ALTER TABLE memos DROP COLUMN start_offset; ALTER TABLE memos DROP COLUMN end_offset; "
    "DROP TABLE transcripts_done; ALTER TABLE codes DROP COLUMN exclusive; "
    "ALTER TABLE codes DROP COLUMN codable; ALTER TABLE coders DROP COLUMN guid;"
)
"""SQL that takes a new project file back to the tables of schema 7 (what the migrations to 8, 9 and 10 add,
undone)."""
