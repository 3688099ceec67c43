"""The audit trail: who read or changed which customer data, when, for what purpose and why."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

from assist.auth.principal import Principal
from assist.stores.tables import AuditEntry


async def record_access(session: AsyncSession, principal: Principal, customer_id: str | None, action: str, *,
                        purpose: str = "service", fields: Iterable[str] = (), reason: str = "",
                        request_id: str | None = None) -> AuditEntry:
    """Add an audit row in the caller's transaction, so the access and its record commit together."""
    entry = AuditEntry(actor_id=principal.subject, actor_role=principal.role.value, customer_id=customer_id,
                       action=action, purpose=purpose, fields=sorted(fields), reason=reason,
                       request_id=request_id)
    session.add(entry)
    return entry


async def record_refusal(session: AsyncSession, principal: Principal, customer_id: str | None, action: str, *,
                         code: str, purpose: str = "service", reason: str = "",
                         request_id: str | None = None) -> AuditEntry:
    """Audit a refused access as ``<action>_refused`` and commit the caller's transaction at once: the request
    is about to fail, which rolls back what is still open, but the attempt must stay on record. Call it before
    anything else is written. ``code`` (the error the caller got) leads the reason, then the caller's own."""
    entry = await record_access(session, principal, customer_id, f"{action}_refused", purpose=purpose,
                                reason=f"{code}: {reason}" if reason else code, request_id=request_id)
    await session.commit()
    return entry
