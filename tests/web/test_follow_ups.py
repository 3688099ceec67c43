"""The closed loop in real Chromium: an agent closes a contact with a CSAT of 1 on the panel, and the supervisor's
dashboard lists it under Follow-ups with its journey, summary and why, then closes it with a note."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import WIDE_VIEWPORT, World, assert_accessible, screenshot, sign_in
from tests.web.narrow import open_contact

pytestmark = pytest.mark.browser

SUMMARY = "Refund promised last week never arrived; customer very unhappy."


async def test_a_detractor_close_shows_up_in_follow_ups_and_the_supervisor_closes_it(
        page: Page, world: World, browser) -> None:
    session_id = await open_contact(page, world)
    journey_id = httpx.get(f"{world.server.base_url}/v1/sessions/{session_id}",
                           headers=world.server.headers("S1", "supervisor")).json()["journey_id"]
    await page.locator(f"[data-focus='wrap-up:{session_id}']").click()
    await page.select_option(f"#outcome-{session_id}", "unresolved")
    await page.select_option(f"#csat-{session_id}", "1")
    await page.fill(f"#summary-{session_id}", SUMMARY)
    await page.click(f"[data-focus='close:{session_id}']")
    await expect(page.get_by_role("region", name="Wrap-up")).to_be_visible()

    dashboard = await browser.new_page(viewport=WIDE_VIEWPORT)
    try:
        await sign_in(dashboard, world.server, "/ui/dashboard.html", world.server.token("S1", "supervisor"))
        item = dashboard.locator(f"[data-follow-up-id='FU-{session_id}']")
        await expect(item.get_by_role("heading")).to_have_text("CSAT 1 of 5: Sam Carter (account 7781)")
        await expect(item).to_contain_text(f"{world.agent} · Chat · refund · unresolved")
        await expect(item.get_by_test_id("follow-up-summary")).to_have_text(f"Summary: {SUMMARY}")
        await expect(item.get_by_test_id("follow-up-journey")).to_contain_text(journey_id)
        await item.get_by_label("Note").fill("Called back: refund reissued")
        await screenshot(dashboard, "dashboard-follow-up-open")
        await assert_accessible(dashboard, "dashboard-follow-up-open")
        await item.get_by_role("button", name="Close").click()
        await expect(dashboard.locator("#follow-ups-status")).to_have_text(
            "Closed the follow-up of Sam Carter (account 7781).")
        await expect(item).to_have_count(0)
    finally:
        await dashboard.close()
