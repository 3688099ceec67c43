"""The panel at 380 px, the width it has beside a CRM, and at 1280 px (a full-width window): page fixtures and
the steps to an open contact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Browser, Page

from tests.web.conftest import TIMEOUT_MS, WIDE_VIEWPORT, World, panel_online

NARROW = {"width": 380, "height": 900}
WIDTHS = {"380": NARROW, "1280": WIDE_VIEWPORT}


@asynccontextmanager
async def page_at(browser: Browser, viewport: dict[str, int]) -> AsyncIterator[Page]:
    """A page of its own browser profile at ``viewport``, failing the test on any script error."""
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        await context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
async def narrow(browser: Browser) -> AsyncIterator[Page]:
    """A 380 px wide page, the width of the panel beside a CRM."""
    async with page_at(browser, NARROW) as page:
        yield page


@pytest.fixture(params=sorted(WIDTHS))
async def sized(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    """The panel beside a CRM (380 px) and in a full-width window (1280 px): a test using it runs at both."""
    async with page_at(browser, WIDTHS[request.param]) as page:
        yield page


def shot(page: Page, what: str) -> str:
    """A screenshot's name with the page's width: ``panel-380-<what>``."""
    size = page.viewport_size
    return f"panel-{size['width'] if size else 'x'}-{what}"


async def open_contact(page: Page, world: World, reason: str = "refund") -> str:
    await panel_online(page, world.server, world.agent)
    session_id = world.offer(reason=reason)
    await page.locator(f"[data-offer-id='{session_id}']").get_by_role("button", name="Accept").click()
    await page.wait_for_selector(f"[data-session-id='{session_id}']")
    return session_id


