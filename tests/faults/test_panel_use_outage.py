"""Panel use reported while PostgreSQL is down, by a worker that then dies: every event the panel had
acknowledged reaches SQL once the database is back and a worker runs again (it waits in the record journal in
Redis meanwhile), each exactly once."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import select

from assist.panel_use.tables import PanelEvent
from assist.stores.sql import Database
from tests.faults import test_database_outage as outage

server = outage.server
"""A live server on the private PostgreSQL (the outage tests' fixture)."""

SENT = [("panel_visible", ""), ("card_view", "history"), ("article_view", "kb-refund-policy"),
        ("panel_hidden", ""), ("panel_visible", "")]


async def stored_events(url: str, session_id: str, count: int, timeout: float = 30.0) -> list[PanelEvent]:
    db = Database(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                async with db.session() as s:
                    rows = list((await s.exec(select(PanelEvent).where(PanelEvent.session_id == session_id))).all())
            except Exception:  # noqa: BLE001 - the database is still starting
                rows = []
            if len(rows) >= count or time.monotonic() > deadline:
                return rows
            await asyncio.sleep(0.5)
    finally:
        await db.close()


async def test_panel_events_of_an_outage_survive_the_worker_dying_and_reach_sql(server, private_postgres):
    [contact] = await outage.contacts(server, 1)
    private_postgres.stop("fast")
    try:
        replies = []
        for n, (kind, ref) in enumerate(SENT):
            await contact.panel.send("panel_event", {"session_id": contact.session_id, "kind": kind, "ref": ref},
                                     f"pe-{n}")
            replies.append(await contact.reply(f"pe-{n}", timeout=15))
        assert server.process is not None
        server.process.kill()  # no goodbye: nothing gets a last flush
        server.process.wait()
    finally:
        private_postgres.start()
    server.start()  # a worker again, on the database that is back: its writer drains what the dead one left
    rows = await stored_events(private_postgres.url, contact.session_id, len(SENT))
    await asyncio.sleep(1.5)  # one more drain interval: a duplicate would show now
    again = await stored_events(private_postgres.url, contact.session_id, len(SENT), timeout=0)
    assert [r["type"] for r in replies] == ["ack"] * len(SENT), replies
    assert sorted((r.kind, r.ref) for r in rows) == sorted(SENT)
    assert len(again) == len(SENT)
    assert {r["data"]["record_id"] for r in replies} == {r.id for r in again}
