"""The panel at 380 px, the width it has beside a CRM: a page fixture and the steps to an open contact."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from tests.web.conftest import TIMEOUT_MS, World, panel_online

NARROW = {"width": 380, "height": 900}


@pytest.fixture
async def narrow(browser: Browser) -> AsyncIterator[Page]:
    """A 380 px wide page, the width of the panel beside a CRM, failing the test on any script error."""
    context = await browser.new_context(viewport=NARROW)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"script errors on the page: {errors}"


async def open_contact(page: Page, world: World, reason: str = "refund") -> str:
    await panel_online(page, world.server, world.agent)
    session_id = world.offer(reason=reason)
    await page.locator(f"[data-offer-id='{session_id}']").get_by_role("button", name="Accept").click()
    await page.wait_for_selector(f"[data-session-id='{session_id}']")
    return session_id


