"""The dashboard's panel-use section in real Chromium, over a fresh team's contacts with known panel events:
each contact had the panel in view 90 s of its 6 minutes and one card section opened; one contact a week also
had an article read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlmodel import select

from assist.panel_use.tables import PanelEvent
from assist.stores.sql import Database
from assist.stores.tables import Interaction
from tests.conftest import LiveServer, free_port, server_env
from tests.web.conftest import WIDE_VIEWPORT, assert_accessible, screenshot, sign_in
from tests.web.test_dashboard_adoption import WEEKS, seed_team

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def panel_server(chromium, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """A server of this module's own: the seeded weeks lie in the past, and on the shared server another test's
    dashboard may already have rolled those days of panel use up (empty), after which rows written for them are
    not read."""
    server = LiveServer(server_env(tmp_path_factory.mktemp("web-panel-use"), redis_url), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def seed_panel_use(server: LiveServer, team: str) -> str:
    """Panel events for every contact of ``team``'s agent; returns the agent."""
    agent_id = "D" + team.removeprefix("team-")
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            contacts = (await s.exec(select(Interaction).where(Interaction.agent_id == agent_id))).all()
            for c in contacts:
                sid = c.id.removeprefix("I-")
                events = [("panel_visible", "", 0), ("card_view", "history", 10), ("panel_hidden", "", 90)]
                if sid.endswith("-0"):
                    events.append(("article_view", "kb-refund-policy", 20))
                for k, (kind, ref, after) in enumerate(events):
                    s.add(PanelEvent(id=f"PE-{sid}-{k}", session_id=sid, agent_id=agent_id, kind=kind, ref=ref,
                                     channel="chat", queue="refund", at=c.started_at + timedelta(seconds=after)))
    finally:
        await db.close()
    return agent_id


async def test_panel_use_per_team_and_agent(page: Page, panel_server: LiveServer) -> None:
    team, contacts = await seed_team(panel_server)
    agent_id = await seed_panel_use(panel_server, team)
    await page.set_viewport_size(WIDE_VIEWPORT)
    await sign_in(page, panel_server, "/ui/dashboard.html", panel_server.token("S1", "supervisor"))

    row = page.get_by_test_id("panel-use-by-agent").locator(f"tr[data-key='{agent_id}'] td")
    # 90 s of 360 in view each; one card each; 4 articles over 20 contacts
    await expect(row).to_have_text([str(contacts), "1 min 30 s", "25%", "1.0", f"{WEEKS / contacts:.1f}"])
    await expect(page.get_by_test_id("panel-use-by-team").locator(f"tr[data-key='{team}'] td").first) \
        .to_have_text(str(contacts))
    await expect(page.locator("[data-panel-use-summary]")).to_contain_text("closed contacts the panel was in view")
    await screenshot(page, "dashboard-panel-use")
    await assert_accessible(page, "dashboard-panel-use")
