"""Server URLs, generated, keep the command line's promise on a team's study.

The promise (README "A team on one PostgreSQL server", "Bad input"): exit status
0 or 2; never a traceback; on failure one line on stderr naming the URL; a
password written into a URL never shown; and the study on the server unchanged
by any command that failed. The URLs mix real and unknown users (the lead, a
coder, a role without rights, a role whose login is refused), passwords,
ports that answer and ports that do not, the study's database and others,
query parameters; the commands read, write and set up.
"""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.cli import main
from qualcode.core.team_server import add_coder, init
from tests.conftest import REPO, raw_rows

TABLES = ("codes", "coders", "codings", "memos", "settings", "server_roles", "transcripts")


@pytest.fixture(scope="module")
def study(postgres):
    name = postgres.new_database()
    with init(postgres.url(name), study="Fuzzed", lead="carol", codebook=REPO / "codebooks" / "back2school.yaml") as p:
        p.import_files([REPO / "transcripts_sample" / "P1_interview.txt"])
    add_coder(postgres.url(name), "alice")
    for role in ("locked_out", "stranger"):
        postgres.sql(f"DO $$ BEGIN CREATE ROLE {role} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    yield name
    postgres.drop_database(name)


def state(postgres, name: str) -> list:
    return [raw_rows(postgres.url(name), f"SELECT * FROM {table} ORDER BY 1") for table in TABLES]


users = st.sampled_from(["carol", "alice", "stranger", "locked_out", "nobody_here", "", "al ice", "ünï"])
passwords = st.one_of(st.none(), st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=8))
databases = st.sampled_from(["STUDY", "postgres", "no_such_db", "", "STUDY?sslmode=disable", "STUDY?nonsense=1"])
ports = st.sampled_from(["PORT", "1", "", "99999", "abc"])
schemes = st.sampled_from(["postgresql://", "postgres://"])
commands = st.sampled_from(
    [
        ["agree", "URL", "--coders", "alice", "carol", "--bootstrap", "0"],
        ["log", "URL"],
        ["retrieve", "URL", "Workload"],
        ["server", "status", "URL"],
        ["server", "coder", "add", "URL", "zed"],
        ["server", "unblind", "URL"],
        ["codebook", "rename", "URL", "Workload", "Work"],
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=schemes, user=users, password=passwords, port=ports, database=databases, command=commands)
def test_any_url_keeps_the_promise(postgres, study, scheme, user, password, port, database, command):
    auth = f"{user}{':' + password if password else ''}@" if user or password else ""
    where = f"{postgres.host}:{postgres.port if port == 'PORT' else port}" if port else postgres.host
    url = f"{scheme}{auth}{where}/{database.replace('STUDY', study)}"
    before = state(postgres, study)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main([url if part == "URL" else part for part in command])
        except SystemExit as e:  # argparse's own refusals
            status = int(e.code or 0)
    errors = stderr.getvalue()
    assert status in (0, 2), errors
    assert "Traceback" not in errors
    if password:
        assert f":{password}@" not in errors + stdout.getvalue(), "a password is never shown"
    if status == 2:
        assert len(errors.strip().splitlines()) == 1, errors
        assert state(postgres, study) == before, "a refused command changes nothing"
