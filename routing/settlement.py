"""What happens to an offer once made: accepted, rejected, completed, or expired as a miss.

``settle.lua`` is the only way a slot is freed; a contact whose offer was rejected or missed goes back to
its queue without that agent. Part of ``RoutingService`` (a base class, so the service keeps one public
surface); kept apart so that the service module holds the routing of contacts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from routing.codec import contact_from_json
from routing.config import RoutingConfig
from routing.errors import RoutingError
from routing.mirror import AgentMirror
from routing.records import ContactState, Withdrawal
from routing.state import RoutingStore, split_reservation_id

__all__ = ["OfferSettlement"]


class OfferSettlement:
    """Accept, reject, complete and expire reservations; the service supplies the attributes below."""

    config: RoutingConfig
    store: RoutingStore
    mirror: AgentMirror
    clock: Callable[[], float]
    _wake: asyncio.Event

    async def _withdraw(self, withdrawal: Withdrawal) -> None:
        raise NotImplementedError

    async def accept(self, reservation_id: str) -> dict[str, str]:
        """Accept an offer. Raises ``unknown_reservation`` (404), ``reservation_not_pending`` or
        ``reservation_expired`` (409; the contact is re-routed)."""
        reply = await self._settle("accept", reservation_id)
        if reply[0] == "ok":
            now = self.clock()
            moved, _ = await self.store.send([
                self.store.move_contact_cmd(reply[1], ContactState.OFFERED, ContactState.ACCEPTED,
                                            now, expect_rid=reservation_id, rid=reservation_id,
                                            agent_id=split_reservation_id(reservation_id)[0]),
                self.store.unschedule_expiry_cmd(reservation_id)])
            await self._log_floor(moved, "answered", now)
            return await self.store.reservation(reservation_id)
        raise RoutingError("reservation_expired", 409, f"reservation {reservation_id!r} expired")

    async def _log_floor(self, moved: Any, outcome: str, now: float) -> None:
        """Log a contact's move (a ``contact_move`` reply) as answered or abandoned for the floor view."""
        if not isinstance(moved, Exception) and moved[0] == "ok":
            await self.store.call(self.store.floor_cmd(contact_from_json(moved[1]), outcome, now))

    async def reject(self, reservation_id: str) -> dict[str, str]:
        """Decline an offer: the slot is freed and the contact re-routed to someone else. Raises
        ``unknown_reservation`` (404) or ``reservation_not_pending`` (409)."""
        reply = await self._settle("reject", reservation_id)
        if reply[0] == "ok":
            await self._requeue(reservation_id, reply[1], "rejected")
        return await self.store.reservation(reservation_id)

    async def complete(self, reservation_id: str) -> dict[str, str]:
        """End an accepted contact and free the agent's slot. Raises ``unknown_reservation`` (404) or
        ``reservation_not_accepted`` (409)."""
        reply = await self._settle("complete", reservation_id)
        await self.store.call(self.store.move_contact_cmd(
            reply[1], ContactState.ACCEPTED, ContactState.COMPLETED, self.clock(), expect_rid=reservation_id,
            rid=reservation_id, agent_id=split_reservation_id(reservation_id)[0]))
        self._wake.set()
        return await self.store.reservation(reservation_id)

    async def _settle(self, action: str, reservation_id: str) -> list[Any]:
        try:
            agent_id, _ = split_reservation_id(reservation_id)
        except ValueError:
            raise RoutingError("unknown_reservation", 404, f"no reservation {reservation_id!r}") from None
        reply = await self.store.call(
            self.store.settle_cmd(action, reservation_id, self.clock(), self.config.max_misses))
        if reply[0] == "unknown":
            raise RoutingError("unknown_reservation", 404, f"no reservation {reservation_id!r}")
        if reply[0] == "conflict":
            code = "reservation_not_accepted" if action == "complete" else "reservation_not_pending"
            raise RoutingError(code, 409, f"reservation {reservation_id!r} is {reply[1]}")
        if reply[0] == "expired":
            await self._requeue(reservation_id, reply[1], "expired", set_away=bool(int(reply[4])))
        if action != "accept":
            await self.mirror.refresh([agent_id])
        return list(reply)

    async def _requeue(self, rid: str, contact_id: str, reason: str, set_away: bool = False) -> None:
        """Put an offered contact back in its queue, excluding the agent who did not take it."""
        agent_id, _ = split_reservation_id(rid)
        now = self.clock()
        moved = await self.store.call(self.store.move_contact_cmd(
            contact_id, ContactState.OFFERED, ContactState.QUEUED, now, expect_rid=rid, exclude=agent_id))
        if moved[0] == "ok":
            contact = contact_from_json(moved[1], moved[2])
            await self.store.send([*self.store.enqueue_cmds(contact), self.store.unschedule_expiry_cmd(rid)])
        if reason != "rejected":
            await self._withdraw(Withdrawal(rid, agent_id, contact_id, reason, set_away))
        self._wake.set()

    async def expire_due(self, now: float | None = None, due: list[str] | None = None) -> int:
        """Settle every offer past its deadline (``due``, read now when not given) as a miss and re-queue its
        contact; returns how many."""
        now = self.clock() if now is None else now
        if due is None:
            due = await self.store.call(self.store.due_reservations_cmd(now))
        if not due:
            return 0
        replies = await self.store.send(
            [self.store.settle_cmd("expire", rid, now, self.config.max_misses) for rid in due])
        expired = 0
        for rid, reply in zip(due, replies, strict=True):
            if isinstance(reply, Exception) or reply[0] == "not_due":
                continue
            if reply[0] == "expired":
                expired += 1
                await self._requeue(rid, reply[1], "expired", set_away=bool(int(reply[4])))
                await self.mirror.refresh([split_reservation_id(rid)[0]])
            else:
                await self.store.call(self.store.unschedule_expiry_cmd(rid))
        return expired
