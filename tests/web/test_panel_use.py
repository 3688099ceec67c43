"""The side panel reports its own use (``panel_event``): in view and out of view per open contact, a card
section opened, an article read; each reaches SQL through the service's record journal."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import Page, expect
from sqlmodel import col, select

from assist.panel_use.tables import PanelEvent
from assist.stores.sql import Database
from tests.web.conftest import World
from tests.web.narrow import narrow, open_contact

__all__ = ["narrow"]  # the fixture, imported to be found

pytestmark = pytest.mark.browser


async def set_visibility(page: Page, state: str) -> None:
    """What the browser does when the agent switches to the CRM's tab and back."""
    await page.evaluate("state => { Object.defineProperty(document, 'visibilityState', "
                        "{ configurable: true, get: () => state }); "
                        "document.dispatchEvent(new Event('visibilitychange')); }", state)


async def recorded(world: World, session_id: str, count: int, timeout: float = 10.0) -> list[tuple[str, str]]:
    db = Database(world.server.settings.resolved_database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with db.session() as s:
                rows = (await s.exec(select(PanelEvent).where(PanelEvent.session_id == session_id)
                                     .order_by(col(PanelEvent.at)))).all()
            if len(rows) >= count or time.monotonic() > deadline:
                return [(r.kind, r.ref) for r in rows]
            await asyncio.sleep(0.2)
    finally:
        await db.close()


async def test_the_panel_reports_view_changes_card_sections_and_articles(narrow: Page, world: World) -> None:
    session_id = await open_contact(narrow, world)
    await set_visibility(narrow, "hidden")
    await set_visibility(narrow, "visible")
    await narrow.locator(f"details[data-open-key='history:{session_id}'] > summary").click()
    article = narrow.get_by_test_id("articles").locator("li").first
    article_id = await article.get_attribute("data-article-id")
    await article.get_by_role("button").click()
    await expect(article.locator(".article-body")).not_to_contain_text("Loading")
    rows = await recorded(world, session_id, 5)
    assert rows == [("panel_visible", ""), ("panel_hidden", ""), ("panel_visible", ""), ("card_view", "history"),
                    ("article_view", article_id)]
