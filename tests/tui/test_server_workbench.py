"""The workbench on a study on the team's PostgreSQL server: saved means committed, the lead's codebook
edits arrive without a restart, and a lost connection keeps the change pending until the server answers."""

from __future__ import annotations

import asyncio

import pytest

from qualcode.core.project import Project
from qualcode.core.team_server import add_coder, push
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import LOST_MESSAGE, CodingScreen
from tests.conftest import raw_rows
from tests.tui.test_busy import SIZE, status_text


@pytest.fixture
def study(postgres, built_demo):
    """The demo study pushed onto the test server with lead carol and coder alice; its database name."""
    name = postgres.new_database()
    push(built_demo, postgres.url(name), lead="carol")
    add_coder(postgres.url(name), "alice")
    yield name
    postgres.sql("ALTER ROLE alice LOGIN")
    postgres.drop_database(name)


def alice_codings(postgres, name: str) -> list[tuple[int, str]]:
    return raw_rows(
        postgres.url(name),
        "SELECT s.ordinal, d.name FROM codings c JOIN coders k ON k.id = c.coder_id "
        "JOIN segments s ON s.id = c.segment_id JOIN codes d ON d.id = c.code_id WHERE k.name = 'alice' "
        "ORDER BY s.ordinal",
    )


async def until(pilot, condition, seconds: float = 8.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition() and loop.time() < deadline:
        await pilot.pause(0.1)
    return bool(condition())


async def open_first_transcript(pilot) -> CodingScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CodingScreen)
    return screen


async def test_the_workbench_codes_on_the_server_and_hears_the_lead(postgres, study):
    app = make_app(postgres.url(study, "alice"), "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_transcript(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert alice_codings(postgres, study) == [(1, "Workload")], "saved means committed on the server"
        assert status_text(app).endswith("· saved")

        with Project.open(postgres.url(study, "carol")) as lead:
            workload = lead.codebook().find("Workload")
            lead.update_code(workload.id, actor="carol", seen=workload.version, name="Work load")
        assert await until(pilot, lambda: screen.session.codebook.find("Work load") is not None)
        assert "changed on the server" in status_text(app)
        labels = []
        nodes = [screen.panel.code_tree.root]
        while nodes:
            node = nodes.pop()
            labels.append(str(node.label))
            nodes.extend(node.children)
        assert any("Work load" in label for label in labels), "the panel shows the lead's new name"
        assert not any(label.endswith("Workload") for label in labels)


async def test_a_lost_connection_keeps_the_key_pending_until_the_server_answers(postgres, study):
    app = make_app(postgres.url(study, "alice"), "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_transcript(pilot)
        # alice may not log in again, and her sessions end: the server is out of her reach.
        postgres.sql("ALTER ROLE alice NOLOGIN")
        postgres.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'alice'")
        await pilot.press("w")
        await pilot.pause()
        assert screen.session.pending_count == 1
        status = status_text(app)
        assert "1 change not saved yet" in status and LOST_MESSAGE in status
        assert alice_codings(postgres, study) == []
        await pilot.pause(1.2)
        assert screen.session.pending_count == 1, "the retries go on without dropping it"

        postgres.sql("ALTER ROLE alice LOGIN")
        assert await until(pilot, lambda: screen.session.pending_count == 0)
        assert alice_codings(postgres, study) == [(1, "Workload")]
        assert "saved" in status_text(app) and LOST_MESSAGE not in status_text(app)
