"""The journey card's temperament guess at 380 px: how the customer sounds, marked as a guess, with its confidence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from assist.stores.sql import Database
from assist.stores.tables import Interaction
from tests.web.conftest import World, assert_accessible
from tests.web.narrow import narrow, open_contact
from tests.web.test_panel_indicators import customer_says

__all__ = ["narrow"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser


async def test_how_the_customer_sounds_shows_on_the_journey_card_as_a_guess_with_its_confidence(
        narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world, reason="billing_dispute")
    journey = narrow.get_by_role("region", name="Journey so far")
    sounds = journey.get_by_test_id("temperament")
    # the server trains the classifier in the background on the first words; the guess shows from the turn
    # after it is ready (the event path never waits for it)
    for _ in range(30):
        await customer_says(narrow, session_id, "what if the money never comes back? I'm really worried")
        await asyncio.sleep(0.5)
        if await sounds.count():
            break
    await expect(sounds).to_contain_text("Anxious ·")
    await expect(sounds).to_contain_text("guess")
    await expect(sounds).to_have_attribute("data-served", "true")
    box = await journey.get_by_test_id("indicators").bounding_box()
    assert box is not None and box["width"] <= 380
    await assert_accessible(narrow, "panel-380-temperament")


async def test_a_temperament_earlier_contacts_showed_is_on_the_card_from_accept_as_a_guess_saying_so(
        narrow: Page, world: World) -> None:
    await remember(world, "angry")
    await open_contact(narrow, world)
    sounds = narrow.get_by_role("region", name="Journey so far").get_by_test_id("temperament")
    await expect(sounds).to_contain_text("Angry · 83%")
    await expect(sounds).to_contain_text("guess · 1 earlier")
    await expect(sounds).to_have_attribute("data-earlier", "1")


async def remember(world: World, temperament: str) -> None:
    """An earlier contact of the world's customer whose words showed ``temperament`` (recorded yesterday)."""
    db = Database(world.server.settings.resolved_database_url)
    try:
        async with db.session() as s:
            yesterday = datetime.now(UTC) - timedelta(days=1)
            s.add(Interaction(id=f"I-earlier-{world.customer}", customer_id=world.customer, channel="phone",
                              started_at=yesterday - timedelta(minutes=5), ended_at=yesterday, intent="refund",
                              outcome="resolved", temperament=temperament, temperament_confidence=0.83))
    finally:
        await db.close()
