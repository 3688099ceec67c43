"""The dashboard's adoption charts in real Chromium: funnel, weekly trend, lift with its interval, adherence,
the team, queue and channel filters and the CSV export, over prompts put in the live server's database for one
fresh team."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from assist.stores.sql import Database
from assist.stores.tables import Agent, Customer, Interaction, Journey, PromptFeedback, PromptRecord
from tests.conftest import LiveServer, free_port, server_env
from tests.web.conftest import WIDE_VIEWPORT, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser

WEEKS = 4
CONTACTS_PER_WEEK = 5


@pytest.fixture(scope="module")
def adoption_server(chromium, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """A server of this module's own: the seeded weeks lie in the past, and on the shared server another test's
    dashboard may already have rolled those days up (empty), after which rows written for them are not read."""
    server = LiveServer(server_env(tmp_path_factory.mktemp("web-adoption"), redis_url), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


async def seed_team(server: LiveServer) -> tuple[str, int]:
    """Four weeks of chat contacts of the refunds queue for a fresh team's agent, one verify_identity prompt
    each: in every week three accepted and done (resolved), one accepted but not done and one dismissed (both
    unresolved). And in every week one phone contact of the billing queue, still going, whose prompt was left
    unanswered (ignored). Returns the team and the number of refunds prompts."""
    n = uuid.uuid4().hex[:8]
    team, agent_id, customer_id = f"team-{n}", f"D{n}", f"C-D{n}"
    monday = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday())
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            s.add(Agent(id=agent_id, name="Dee", team=team))
            s.add(Customer(id=customer_id))
            await s.flush()
            for week in range(WEEKS):
                for i in range(CONTACTS_PER_WEEK):
                    sid = f"S-{n}-{week}-{i}"
                    when = monday - timedelta(weeks=WEEKS - 1 - week) + timedelta(minutes=i)
                    done = i < 4
                    s.add(Journey(id=f"J-{sid}", customer_id=customer_id, reason="refund",
                                  state={"steps_done": ["identity_verified"] if i < 3 else ["refund_issued"]}))
                    s.add(Interaction(id=f"I-{sid}", customer_id=customer_id, journey_id=f"J-{sid}", channel="chat",
                                      agent_id=agent_id, started_at=when, ended_at=when + timedelta(minutes=6),
                                      intent="refund", outcome="resolved" if i < 3 else "unresolved", csat=4))
                    s.add(PromptRecord(id=f"P-{sid}", session_id=sid, journey_id=f"J-{sid}", agent_id=agent_id,
                                       action="verify_identity", confidence=0.8, source="rules", shown_at=when,
                                       queue="refunds", channel="chat"))
                    await s.flush()
                    s.add(PromptFeedback(prompt_id=f"P-{sid}", agent_id=agent_id,
                                         verdict="accepted" if done else "dismissed", seconds_to_act=3.0))
                sid = f"S-{n}-{week}-billing"
                s.add(Journey(id=f"J-{sid}", customer_id=customer_id, reason="billing_dispute", state={}))
                s.add(PromptRecord(id=f"P-{sid}", session_id=sid, journey_id=f"J-{sid}", agent_id=agent_id,
                                   action="verify_identity", confidence=0.8, source="rules", queue="billing",
                                   channel="phone", shown_at=when + timedelta(minutes=1)))
    finally:
        await db.close()
    return team, WEEKS * CONTACTS_PER_WEEK


@pytest.fixture(scope="module")
def seeded(adoption_server: LiveServer) -> tuple[str, int]:
    """The team, seeded once before any dashboard of this module rolls its days up."""
    return asyncio.run(seed_team(adoption_server))


async def choose_team(page: Page, server: LiveServer, team: str) -> None:
    """A supervisor's dashboard with ``team`` chosen in the filters (not applied yet)."""
    await page.set_viewport_size(WIDE_VIEWPORT)
    await sign_in(page, server, "/ui/dashboard.html", server.token("S1", "supervisor"))
    await expect(page.locator(f"#team option[value='{team}']")).to_have_count(1)
    await page.select_option("#team", team)


async def test_the_adoption_charts_for_one_team(page: Page, adoption_server: LiveServer,
                                                seeded: tuple[str, int]) -> None:
    team, shown = seeded
    await choose_team(page, adoption_server, team)
    await page.click("#adoption-filters button[type=submit]")
    await expect(page.locator("[data-tile=a-shown] .value")).to_have_text(str(shown + WEEKS))  # and billing's
    await expect(page.locator("#queue option[value=refunds]")).to_have_count(1)
    await page.select_option("#queue", "refunds")
    await page.click("#adoption-filters button[type=submit]")

    await expect(page.locator("[data-tile=a-shown] .value")).to_have_text(str(shown))
    await expect(page.locator("[data-tile=a-accepted] .value")).to_have_text("80%")  # 4 of 5 each week
    await expect(page.locator("[data-tile=a-followed] .value")).to_have_text("75%")  # 3 of the 4 accepted
    funnel = page.locator("svg[data-chart=funnel]")
    await expect(funnel.locator("rect")).to_have_count(6)
    await expect(funnel.locator("title")).to_have_text("Guidance funnel: what happened to each prompt")
    trend = page.locator("svg[data-chart=trend]")
    await expect(trend.locator("polyline")).to_have_count(3)  # accepted, followed, resolved
    await expect(trend.locator("circle[data-series=follow_rate]")).to_have_count(WEEKS)
    # followed: 12 of 12 resolved; not followed: 0 of 8 -> +100 pts, too few (12 and 8 of 30) to read
    lift = page.locator("svg[data-chart=lift]")
    await expect(lift.locator("line[data-lift=all]")).to_have_count(1)
    await expect(page.locator("[data-lift-summary]")).to_contain_text("difference +100 pts")
    await expect(page.locator("[data-lift-warning]")).to_contain_text("Too small a sample")
    await expect(page.locator("[data-caveat]")).to_contain_text("Observational")
    # refund: verify_identity covered 12 times, explain_timeline (refund_issued) 8 times, of 4 x 20
    await expect(page.locator("#adherence-body [data-coverage=refund]")).to_contain_text("25% (20/80)")
    await expect(page.locator(f"[data-team='{team}']")).to_have_count(1)
    queues = page.locator("[data-testid=funnel-by-queue] tbody tr")  # the team's queues, whichever is chosen
    await expect(queues).to_have_count(2)
    await expect(page.locator("[data-funnel-queue=refunds] td").first).to_have_text(str(shown))
    await expect(page.locator("[data-funnel-queue=billing] td").first).to_have_text(str(WEEKS))
    await screenshot(page, "dashboard-adoption")
    await assert_accessible(page, "dashboard-adoption")

    await page.select_option("#export-by", "week")
    async with page.expect_download() as info:
        await page.click("#export-csv")
    download = await info.value
    rows = list(csv.DictReader(io.StringIO(open(await download.path(), encoding="utf-8").read())))  # noqa: ASYNC230
    assert [(r["shown"], r["followed"]) for r in rows] == [("5", "3")] * WEEKS
    assert download.suggested_filename == "adoption-funnel-by-week.csv"


async def test_the_queue_and_channel_filters_narrow_the_funnel(page: Page, adoption_server: LiveServer,
                                                              seeded: tuple[str, int]) -> None:
    team, _ = seeded
    await choose_team(page, adoption_server, team)
    await page.select_option("#queue", "billing")
    await page.click("#adoption-filters button[type=submit]")
    await expect(page.locator("[data-tile=a-shown] .value")).to_have_text(str(WEEKS))  # one a week, all ignored
    await expect(page.locator("[data-tile=a-accepted] .value")).to_have_text("0%")
    await expect(page.locator("svg[data-chart=trend] circle[data-series=acceptance_rate]")).to_have_count(WEEKS)
    await page.select_option("#queue", "")
    await page.select_option("#channel", "phone")
    await page.click("#adoption-filters button[type=submit]")
    await expect(page.locator("[data-tile=a-shown] .value")).to_have_text(str(WEEKS))  # billing is on the phone
    await expect(page.locator("[data-testid=funnel-by-queue] tbody tr")).to_have_count(1)
