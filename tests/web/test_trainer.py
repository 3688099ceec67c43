"""The trainer console in real Chromium: a trainer starts a practice run, the trainee plays it in their side
panel against the simulated customer, and the trainer watches it live and reads the debrief."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import WIDE_VIEWPORT, World, assert_accessible, panel_online, screenshot, sign_in

pytestmark = pytest.mark.browser

SCENARIO = "angry_billing_dispute"
TRAINEE_TURNS = (("say", "I am so sorry about this, let me check what happened."),
                 ("do", "verify_identity"), ("do", "apologise_acknowledge"), ("do", "offer_refund_small"),
                 ("say", "I'll call you back tomorrow to check it went through."))
"""The last line promises a call back that is never booked: the debrief names it as a broken promise."""


async def customer_lines(page: Page) -> int:
    return await page.locator(".transcript .turn-customer").count()


async def play(trainee: Page, kind: str, value: str) -> None:
    """One trainee turn in the side panel, then wait for the simulated customer's answer."""
    before = await customer_lines(trainee)
    if kind == "say":
        await trainee.get_by_label("Say to the customer").fill(value)
        await trainee.get_by_role("button", name="Send").click()
    else:
        await trainee.get_by_label("Record what you did").select_option(value)
        await trainee.get_by_role("button", name="Record").click()
    await expect(trainee.locator(".transcript .turn-customer")).to_have_count(before + 1)


async def test_trainer_runs_a_scenario_to_its_debrief(page: Page, world: World, browser: Browser) -> None:
    server = world.server
    trainee = page
    await panel_online(trainee, server, world.agent)

    console = await browser.new_page(viewport=WIDE_VIEWPORT)
    try:
        await sign_in(console, server, "/ui/trainer.html", server.token("TR1", "trainer"))
        scenario = console.locator(f"#scenario-{SCENARIO}")
        await expect(scenario).to_be_checked()
        await console.get_by_label("Trainees (agent ids)").fill(world.agent)
        await console.get_by_label("Run name").fill("Browser test run")
        await console.get_by_label("Seed (optional)").fill("123")
        await console.get_by_text("Rubric weights").click()
        await console.get_by_label("Communication").fill("30")      # 30 of 110: 27 % once scaled
        await screenshot(console, "trainer-scenarios")
        await console.get_by_role("button", name="Start run").click()
        row = console.locator("[data-testid=run-sessions] tbody tr").first
        await expect(row).to_have_attribute("data-status", "offered")

        offer = trainee.locator("[data-offer-id]")
        await expect(offer.locator(".badge-practice")).to_have_text("Practice")
        await trainee.keyboard.press("a")
        await expect(trainee.locator(".transcript .turn-customer")).to_have_count(1)   # the persona opens
        for kind, value in TRAINEE_TURNS:
            await play(trainee, kind, value)
        await expect(trainee.locator(".transcript")).to_contain_text("that's")      # "that's great / all sorted"

        await expect(row).to_have_attribute("data-status", "open")
        log = console.get_by_test_id("practice-log")
        await expect(log).to_contain_text("I am so sorry about this")
        await expect(log).to_contain_text("did: offer refund small")
        await screenshot(console, "trainer-live")
        await assert_accessible(console, "trainer-live")

        await trainee.get_by_text("Wrap up").click()
        await trainee.get_by_label("Outcome").select_option("resolved")
        await trainee.get_by_role("button", name="Close contact").click()
        await expect(trainee.locator("[data-session-id] .notice-ok")).to_contain_text("Closed: resolved")
        await screenshot(trainee, "panel-practice")

        await expect(row).to_have_attribute("data-status", "closed")
        await row.get_by_role("button", name="Debrief").click()
        debrief = console.locator("#debrief-card")
        await expect(debrief.get_by_role("heading", level=2)).to_contain_text(f"Debrief: {world.agent}")
        await expect(debrief.get_by_test_id("rubric").locator("tbody tr")).to_have_count(7)
        communication = debrief.get_by_test_id("rubric").locator("tbody tr", has_text="Communication")
        await expect(communication.locator("td").first).to_have_text("27%")
        said = debrief.get_by_test_id("said-acts")
        await expect(said.locator("tr[data-act=apology]").first).to_contain_text("I am so sorry about this")
        await expect(said.locator("tr[data-act=promise]")).to_contain_text("call you back tomorrow")
        await expect(debrief.get_by_test_id("integrity")).to_contain_text("promised a call back, but never did it")
        await expect(debrief.locator("[data-tile=outcome] .value")).to_have_text("resolved")
        await expect(debrief.get_by_test_id("turning-points")).to_contain_text("goal")
        await expect(console.get_by_test_id("progress")).to_contain_text("Angry billing dispute")
        await expect(console.get_by_test_id("history").locator("li")).to_have_count(1)
        score = float(await debrief.locator("[data-tile=score] .value").inner_text())
        assert 50 < score <= 100
        await screenshot(console, "trainer-debrief")
        await assert_accessible(console, "trainer-debrief")
    finally:
        await console.close()
