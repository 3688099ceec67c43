"""After the link comes back the panel agrees with the server: a line typed offline is marked unsent until the
server records it, and a contact the server no longer has open is shown as ended, not kept as if live."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from assist.stores.redis import KeySpace
from tests.web.conftest import World, assert_accessible, screenshot
from tests.web.narrow import narrow, open_contact, shot, sized

__all__ = ["narrow", "sized"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser


async def test_a_line_typed_offline_is_unsent_until_the_server_records_it(narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world)
    await narrow.evaluate("window.agentAssist.stream.drop(2000)")
    await expect(narrow.locator("#conn")).to_have_attribute("data-state", "offline")
    await narrow.fill(f"#say-{session_id}", "I am checking that for you now")
    await narrow.press(f"#say-{session_id}", "Enter")
    line = narrow.get_by_role("region", name="Transcript").locator("li", has_text="checking that for you")
    await expect(line.locator("[data-line-state]")).to_have_attribute("data-line-state", "unsent")
    await screenshot(narrow, "panel-380-line-unsent")
    await expect(narrow.locator("#conn")).to_have_attribute("data-state", "online")
    await expect(line.locator("[data-line-state]")).to_have_count(0)             # acknowledged: recorded
    await expect(line).to_contain_text("I am checking that for you now")


async def test_a_contact_the_server_no_longer_has_is_shown_as_ended_after_a_reconnect(
        sized: Page, world: World) -> None:
    session_id = await open_contact(sized, world)
    settings = world.server.settings
    redis = Redis.from_url(settings.redis_url)
    try:   # the session is lost server-side (expired, or a store that lost it) while the panel is away
        await redis.delete(KeySpace(settings.redis_prefix).key("session", session_id, "state"))
    finally:
        await redis.aclose()
    await sized.evaluate("window.agentAssist.stream.drop(500)")
    lost = sized.get_by_test_id("contact-lost")
    await expect(lost).to_contain_text("no longer open on the server")
    await expect(sized.locator(f"#say-{session_id}")).to_have_count(0)          # nothing more to type into it
    await screenshot(sized, shot(sized, "contact-lost"))
    await assert_accessible(sized, shot(sized, "contact-lost"))
