"""Wrap-up in the panel, at 380 px and 1280 px: after closing, the agent is in after-contact work with a
countdown, picks a disposition, edits the automatic summary and saves it, and the customer's next contact
shows that summary in its history."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import World, assert_accessible, screenshot
from tests.web.narrow import open_contact, sized

__all__ = ["sized"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser

ADDED = "Customer will send the bank statement by Friday."


async def close_contact(page: Page, session_id: str) -> None:
    await page.locator(f"[data-focus='wrap-up:{session_id}']").click()
    await page.select_option(f"#outcome-{session_id}", "resolved")
    await page.click(f"[data-focus='close:{session_id}']")


async def test_closing_leads_to_a_wrapup_whose_edited_summary_the_next_contact_shows(sized: Page, world: World) -> None:
    page, width = sized, sized.viewport_size["width"]  # type: ignore[index]
    session_id = await open_contact(page, world)
    await page.evaluate("sid => window.agentAssist.stream.send('event', {session_id: sid, kind: 'utterance', "
                        "speaker: 'customer', text: 'I was charged twice for order A-1234 and I am furious'})",
                        session_id)
    await page.select_option(f"#action-{session_id}", "verify_identity")
    await page.click(f"[data-focus='action:{session_id}']")
    await expect(page.get_by_test_id("steps-done")).to_have_text("identity verified")
    await close_contact(page, session_id)

    wrapup = page.get_by_role("region", name="Wrap-up")
    summary = wrapup.get_by_label("Summary")
    await expect(wrapup.get_by_role("timer")).to_contain_text("After-contact work:")
    await expect(page.locator("#status")).to_have_value("after_contact_work")
    draft = await summary.input_value()
    assert draft.startswith("Reason: refund.\nDone: identity verified.")
    assert 'Customer said: "I was charged twice for order A-1234 and I am furious"' in draft
    await screenshot(page, f"panel-{width}-wrapup")
    await assert_accessible(page, f"panel-{width}-wrapup")

    await wrapup.get_by_role("button", name="Save wrap-up").click()   # no disposition yet: told, not sent
    await expect(wrapup.get_by_role("alert")).to_have_text("Pick a disposition from the list.")
    await wrapup.get_by_label("Disposition").select_option(label="Refund or credit given")
    await summary.focus()                                              # edited from the keyboard
    await page.keyboard.press("Control+End")
    await page.keyboard.type(f"\n{ADDED}")
    await wrapup.get_by_role("button", name="Save wrap-up").focus()
    await page.keyboard.press("Enter")
    await expect(wrapup.get_by_test_id("wrapup-saved")).to_have_text("Saved with the contact: Refund or credit given.")
    await expect(page.locator("#status")).to_have_value("available")
    await screenshot(page, f"panel-{width}-wrapup-saved")

    nxt = world.offer()
    await page.locator(f"[data-offer-id='{nxt}']").get_by_role("button", name="Accept").click()
    history = page.locator(f"[data-session-id='{nxt}'] [data-open-key='history:{nxt}']")
    await history.locator("summary").click()
    latest = history.locator("li").first
    await expect(latest).to_contain_text("Refund or credit given")
    await expect(latest).to_contain_text(ADDED)
    await expect(latest).to_contain_text("Done: identity verified.")
    await screenshot(page, f"panel-{width}-history-after-wrapup")
