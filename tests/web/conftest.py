"""Browser fixtures: one real server and one headless Chromium (Debian's) for the whole browser suite.

Browser tests are marked ``browser``. Without /usr/bin/chromium they are skipped, with the reason, unless
CI=true: CI installs Chromium, so there its absence fails the run instead of hiding the suite.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.conftest import UNDER_CI, LiveServer, free_port, server_env
from tests.stream.seed import api_key, seed

CHROMIUM = Path(os.environ.get("ASSIST_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PANEL_VIEWPORT = {"width": 400, "height": 1100}
WIDE_VIEWPORT = {"width": 1280, "height": 1000}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        if UNDER_CI:
            pytest.fail(f"CI requires Chromium at {CHROMIUM} for the browser tests, and it is missing")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium); browser tests run under CI")
    return CHROMIUM


@pytest.fixture(scope="session")
def web_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    """One real uvicorn process for every browser test (each test uses its own agents and customers)."""
    server = LiveServer(server_env(tmp_path_factory.mktemp("web"), redis_url), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile per test: its own sessionStorage and localStorage."""
    ctx = await browser.new_context(viewport=PANEL_VIEWPORT)
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page that fails the test on any uncaught script error."""
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture(scope="session")
async def machine_key(web_server: LiveServer) -> str:
    """An API key for posting events as a channel system would."""
    return await api_key(web_server, f"web-tests-{uuid.uuid4().hex[:6]}")


class World:
    """Fresh ids for one test: an agent and a customer nobody else touches."""

    def __init__(self, server: LiveServer) -> None:
        n = uuid.uuid4().hex[:8]
        self.server = server
        self.agent = f"W{n}"
        self.customer = f"C-{n}"
        self.email = f"{n}@example.com"
        self.phone = f"+4412{int(n, 16) % 10**8:08d}"

    async def seed(self, **kwargs: Any) -> World:
        await seed(self.server, customer_id=self.customer, phone=self.phone, email=self.email,
                   agents=(self.agent,), **kwargs)
        return self

    def offer(self, identifiers: dict[str, str] | None = None, channel: str = "chat", reason: str = "refund",
              **extra: Any) -> str:
        """Offer a contact to this world's agent (as routing would); returns the session id."""
        response = httpx.post(self.server.base_url + "/v1/contacts/offer", headers=self.server.headers("X1", "admin"),
                              json={"agent_id": self.agent, "channel": channel, "reason": reason,
                                    "identifiers": identifiers or {"email": self.email}, **extra})
        assert response.status_code == 201, response.text
        return str(response.json()["session_id"])


@pytest.fixture
async def world(web_server: LiveServer) -> World:
    return await World(web_server).seed()


async def sign_in(page: Page, server: LiveServer, path: str, token: str) -> None:
    """Open ``path`` and sign in by pasting ``token``, the way a person does."""
    await page.goto(server.base_url + path)
    await page.fill("#token", token)
    await page.click("#signin button[type=submit]")


async def panel_online(page: Page, server: LiveServer, agent_id: str) -> None:
    await sign_in(page, server, "/ui/", server.token(agent_id))
    await page.wait_for_selector("#conn[data-state=online]")


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def assert_accessible(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on serious or critical violations.

    The full report goes to test-artifacts/axe/<name>.json; returns every violation (minor ones included).
    """
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, "resultTypes": ["violations"]})
    violations: list[dict[str, Any]] = results.response["violations"]
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe" / f"{name}.json").write_text(json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
         for v in violations], indent=2))
    serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
               for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe found serious/critical violations on {name}: {serious}"
    duplicated = await page.evaluate(DUPLICATE_IDS)
    assert not duplicated, f"ids used twice on {name} (a label or a script finds the wrong one): {duplicated}"
    return violations


DUPLICATE_IDS = """() => {
  const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}"""
"""axe no longer reports duplicate ids (its rule was retired), yet one put the funnel-by-queue table where the
routing queues belonged: every id on the page is checked here."""
