"""Approvals end to end in real Chromium: a refund above the agent's limit becomes "ask supervisor approval"
on the 380 px panel, the agent asks, a supervisor approves it with a note on the 1280 px dashboard, and the
panel shows the answer."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import WIDE_VIEWPORT, World, assert_accessible, panel_online, screenshot, sign_in

pytestmark = pytest.mark.browser

PANEL_380 = {"width": 380, "height": 1100}


def post_event(world: World, machine_key: str, session_id: str, **event: object) -> None:
    """What the CRM posts for the contact (its refund screen, its identity check)."""
    response = httpx.post(f"{world.server.base_url}/v1/sessions/{session_id}/events",
                          headers={"X-API-Key": machine_key}, json=event)
    assert response.status_code in (200, 202), response.text


async def refund_above_limit(page: Page, world: World, machine_key: str) -> str:
    """The agent's panel open on a refund contact where the CRM asked a 120.00 refund (their limit is 50)."""
    await page.set_viewport_size(PANEL_380)
    await panel_online(page, world.server, world.agent)
    session_id = world.offer()
    await page.locator(f"[data-offer-id='{session_id}']").get_by_role("button", name="Accept").click()
    await page.wait_for_selector(f"[data-session-id='{session_id}']")
    post_event(world, machine_key, session_id, kind="action", speaker="system", action="verify_identity")
    post_event(world, machine_key, session_id, kind="action", speaker="system", action="request_refund",
               fields={"amount": 120})
    return session_id


async def test_agent_asks_approval_supervisor_approves_with_a_note_and_the_panel_shows_it(
        page: Page, world: World, machine_key: str, browser) -> None:
    session_id = await refund_above_limit(page, world, machine_key)
    session = page.locator(f"[data-session-id='{session_id}']")
    prompt = session.locator("[data-action=escalate_supervisor]")
    await expect(prompt.get_by_role("heading")).to_have_text("Ask supervisor approval for a 120.00 refund")
    await expect(prompt).to_contain_text("120.00 is above your 50.00 refund limit")
    card = session.get_by_role("region", name="Supervisor")
    await card.get_by_role("button", name="Ask supervisor approval for a 120.00 refund").click()
    await expect(card.get_by_test_id("request-status")).to_have_text("Waiting for a supervisor")
    await screenshot(page, "panel-approval-pending")
    await assert_accessible(page, "panel-approval-pending")
    request_id = await card.locator("[data-request-id]").get_attribute("data-request-id")

    dashboard = await browser.new_page(viewport=WIDE_VIEWPORT)
    try:
        await sign_in(dashboard, world.server, "/ui/dashboard.html", world.server.token("S1", "supervisor"))
        request = dashboard.locator(f"[data-request-id='{request_id}']")
        await expect(request.get_by_role("heading")).to_have_text("Refund 120.00 for Sam Carter (account 7781)")
        await expect(request).to_contain_text(f"{world.agent} · Chat · refund")
        await expect(request).to_contain_text("Why: empowerment limit: 120.00 is above your 50.00 refund limit")
        on_floor = dashboard.locator(f"[data-floor-agent='{world.agent}']")
        await expect(on_floor).to_contain_text("Chat · refund")
        await expect(dashboard.locator("[data-testid=floor-queues] [data-queue-row=default]")).to_have_count(1)
        await request.get_by_label("Note for the agent").fill("Approved: loyal customer, go ahead")
        await screenshot(dashboard, "dashboard-approval-pending")
        await assert_accessible(dashboard, "dashboard-approval-pending")
        await request.get_by_role("button", name="Approve").click()
        await expect(dashboard.locator("#requests-status")).to_have_text(
            f"Approved: refund 120.00 of {world.agent}.")
        await expect(request).to_have_count(0)
        await screenshot(dashboard, "dashboard-approval-answered")
    finally:
        await dashboard.close()

    answered = card.locator(f"[data-request-id='{request_id}']")
    await expect(answered.get_by_test_id("request-status")).to_have_text("Approved")
    await expect(answered).to_contain_text("by S1")
    await expect(answered).to_contain_text("Note: Approved: loyal customer, go ahead")
    await expect(card.get_by_role("button", name="Ask supervisor approval for a 120.00 refund")).to_have_count(0)
    await expect(prompt).to_have_attribute("data-standing", "answered")  # asking is accepting the prompt
    await screenshot(page, "panel-approval-approved")
    await assert_accessible(page, "panel-approval-approved")


async def test_agent_raises_a_hand_and_the_supervisor_acknowledges_it(
        page: Page, world: World, machine_key: str, browser) -> None:
    session_id = await refund_above_limit(page, world, machine_key)
    card = page.locator(f"[data-session-id='{session_id}']").get_by_role("region", name="Supervisor")
    await card.get_by_label("What you need help with (optional)").fill("customer wants a manager")
    await card.get_by_role("button", name="Raise hand").click()
    await expect(card.get_by_test_id("request-status")).to_have_text("Waiting for a supervisor")
    request_id = await card.locator("[data-request-id]").get_attribute("data-request-id")

    dashboard = await browser.new_page(viewport=WIDE_VIEWPORT)
    try:
        await sign_in(dashboard, world.server, "/ui/dashboard.html", world.server.token("S1", "supervisor"))
        request = dashboard.locator(f"[data-request-id='{request_id}']")
        await expect(request).to_contain_text("Note: customer wants a manager")
        await expect(request.get_by_role("button", name="Approve")).to_have_count(0)
        await request.get_by_role("button", name="Acknowledge").click()
        await expect(request).to_have_count(0)
    finally:
        await dashboard.close()
    await expect(card.locator(f"[data-request-id='{request_id}'] [data-testid=request-status]")).to_have_text(
        "A supervisor is on it")
