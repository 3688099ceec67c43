"""The dashboard's trainee progress in real Chromium: practice score by run and live follow rate and adherence
by week, as two separately labelled charts, over known data put in the live server's database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from assist.practice.tables import PracticeRun, PracticeSession
from assist.stores.sql import Database
from assist.stores.tables import Customer, Interaction, Journey, PromptFeedback, PromptRecord
from tests.conftest import LiveServer, free_port, server_env
from tests.faults.test_database_outage import _delete_keys
from tests.web.conftest import WIDE_VIEWPORT, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def trend_server(chromium, tmp_path_factory: pytest.TempPathFactory, redis_url: str):
    """A server of this module's own: the practice runs seeded here would otherwise be listed in every other
    browser test's trainer console (the trainer test's run did not start with them listed)."""
    env = server_env(tmp_path_factory.mktemp("trend"), redis_url)
    live = LiveServer(env, free_port()).start()
    try:
        yield live
    finally:
        live.stop()
        await _delete_keys(redis_url, env["ASSIST_REDIS_PREFIX"])


async def seed_trainee(server: LiveServer) -> str:
    """Three practice runs (scores 55, 70 and 88) and two live weeks: last week a refund contact with
    verify_identity accepted and done and offer_plan_change accepted, not done (follow 50 %, adherence 1 of 4);
    this week a complaint with apologise_acknowledge accepted and done (follow 100 %, adherence 1 of 3)."""
    n = uuid.uuid4().hex[:8]
    trainee = f"TR{n}"
    now = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    monday = now - timedelta(days=now.weekday())
    db = Database(server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            s.add(Customer(id=f"C-{n}"))
            for k, score in enumerate((55.0, 70.0, 88.0)):
                s.add(PracticeRun(id=f"R-{n}-{k}", name=f"Drill {k + 1}", created_by="TR", seed=k))
                await s.flush()
                s.add(PracticeSession(id=f"PS-{n}-{k}", run_id=f"R-{n}-{k}", trainee_id=trainee, position=0,
                                      scenario="refund", seed=k, status="closed", score=score,
                                      ended_at=monday - timedelta(days=20 - 5 * k)))
            await s.flush()
            for sid, started, reason, steps, prompts in [
                (f"L1-{n}", monday - timedelta(days=5), "refund", ["identity_verified"],
                 ["verify_identity", "offer_plan_change"]),
                (f"L2-{n}", monday, "complaint", ["apologise_acknowledge"], ["apologise_acknowledge"])]:
                s.add(Journey(id=f"J-{sid}", customer_id=f"C-{n}", reason=reason, state={"steps_done": steps}))
                s.add(Interaction(id=f"I-{sid}", customer_id=f"C-{n}", journey_id=f"J-{sid}", channel="chat",
                                  agent_id=trainee, started_at=started, ended_at=started + timedelta(minutes=5),
                                  intent=reason, outcome="resolved"))
                for k, action in enumerate(prompts):
                    s.add(PromptRecord(id=f"P-{sid}-{k}", session_id=sid, journey_id=f"J-{sid}", agent_id=trainee,
                                       action=action, confidence=0.8, source="rules",
                                       shown_at=started + timedelta(minutes=1)))
                    await s.flush()
                    s.add(PromptFeedback(prompt_id=f"P-{sid}-{k}", agent_id=trainee, verdict="accepted",
                                         seconds_to_act=3.0))
    finally:
        await db.close()
    return trainee


@pytest.mark.parametrize("role", ["supervisor", "trainer"])
async def test_a_trainees_practice_and_live_trends_render_apart(page: Page, trend_server: LiveServer,
                                                                role: str) -> None:
    web_server = trend_server
    trainee = await seed_trainee(web_server)
    await page.set_viewport_size(WIDE_VIEWPORT)
    await sign_in(page, web_server, "/ui/dashboard.html", web_server.token(f"U-{role}", role))
    await page.fill("#trainee", trainee)
    await page.click("#trainee-form button[type=submit]")

    practice = page.locator("svg[data-chart=practice-trend]")
    await expect(practice.locator("title").first).to_have_text("Practice: rubric score by run (0–100)")
    await expect(practice.locator("circle[data-series=score] title")).to_have_text(
        ["Practice score, Drill 1: 55.0", "Practice score, Drill 2: 70.0", "Practice score, Drill 3: 88.0"])
    await expect(practice.locator("polyline")).to_have_count(1)
    live = page.locator("svg[data-chart=live-trend]")
    await expect(live.locator("title").first).to_have_text("Live work: follow rate and adherence by week")
    follow = live.locator("circle[data-series=follow_rate] title")
    await expect(follow).to_have_count(2)
    await expect(follow.nth(0)).to_contain_text("50%")
    await expect(follow.nth(1)).to_contain_text("100%")
    adherence = live.locator("circle[data-series=adherence_rate] title")
    await expect(adherence.nth(0)).to_contain_text("25%")
    await expect(adherence.nth(1)).to_contain_text("33%")
    await expect(page.get_by_test_id("practice-series").locator("figcaption")).to_contain_text("Practice runs")
    await expect(page.get_by_test_id("live-series").locator("figcaption")).to_contain_text("Live work by week")
    await page.locator("#trainee-h").scroll_into_view_if_needed()
    await screenshot(page, f"dashboard-trainee-{role}")
    await assert_accessible(page, f"dashboard-trainee-{role}")
