"""The journey card's live indicators at 380 px: the customer's mood over their last turns, and for a contact
that arrived without a reason, the intent their words name with its confidence."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import World, assert_accessible, screenshot
from tests.web.narrow import narrow, open_contact

__all__ = ["narrow"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser


async def customer_says(page: Page, session_id: str, text: str) -> None:
    await page.evaluate("([sid, text]) => window.agentAssist.stream.send('event', {session_id: sid, "
                        "kind: 'utterance', speaker: 'customer', text})", [session_id, text])


async def test_the_mood_and_the_intent_read_from_the_customers_words_show_on_the_journey_card(
        narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world, reason="general")
    journey = narrow.get_by_role("region", name="Journey so far")
    await expect(journey.get_by_test_id("indicators")).to_have_count(0)

    await customer_says(narrow, session_id, "hello")
    intent = journey.get_by_test_id("intent")
    await expect(intent).to_have_attribute("data-adopted", "false")
    await expect(intent).to_contain_text("guess")

    await customer_says(narrow, session_id, "this is not good, you charged me twice for the same bill again")
    await expect(intent).to_have_attribute("data-adopted", "true")
    await expect(intent).to_contain_text("Billing dispute ·")
    await expect(intent).to_contain_text("set as reason")
    mood = journey.get_by_test_id("mood")
    await expect(mood).to_have_attribute("data-mood", "unhappy")
    await expect(mood.get_by_role("img")).to_have_attribute(
        "aria-label", "Customer sentiment, last 2 turns, oldest first: 0.00, -0.21; falling")
    await expect(narrow.locator(f"[data-session-id='{session_id}'] h2").first).to_contain_text("billing dispute")
    box = await journey.get_by_test_id("indicators").bounding_box()
    assert box is not None and box["width"] <= 380
    await screenshot(narrow, "panel-380-indicators")
    await assert_accessible(narrow, "panel-380-indicators")
