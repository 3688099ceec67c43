"""HTTP request limits: per bearer token, per API key and per client address, shared by every worker.

Counts live in Redis (fixed windows), so two workers, or two hosts, share one budget per caller. Checking a
request is one round trip: the address's script (its window count and its recent bad credentials, one hash
tag) and the credential's script (its window count, another tag) go out together.

A credential is counted by a digest of what was sent, never by the subject it claims: the middleware runs
before the signature is checked, so counting by a token's unverified ``sub`` would let a forger spend a real
agent's budget. A caller with no credential counts against its address only.

Bad credentials cost the attacker, not the server: ``get_principal`` notes each invalid token or API key
against the client's address (an expired token is no attack and is not counted), and once an address has
sent ``rate_limit_bad_credentials`` of them in the failure window every request from it is answered 429
here, before any token is verified or any key looked up in the database.

The client address is ASGI's ``client``: behind a load balancer run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` set to the balancer, or every caller shares the balancer's address. When Redis does
not answer, requests pass unlimited (logged): the limits protect the service, they must not take it down.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from assist.errors import problem_response
from assist.settings import Settings
from assist.stores.redis import KeySpace, RedisStore
from routing.commands import Command, CommandSender

__all__ = ["EXEMPT_PATHS", "RateLimitMiddleware", "RequestLimiter", "Verdict", "client_address"]

log = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Orchestrators probe these every few seconds from one address; a limit there would restart healthy pods."""

_COUNT = """
local failures = tonumber(ARGV[3])
if failures > 0 and KEYS[2] then
  local bad = tonumber(redis.call('GET', KEYS[2]) or '0')
  if bad >= failures then
    return {0, redis.call('PTTL', KEYS[2]), 'bad_credentials'}
  end
end
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if count > tonumber(ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1]), 'limit'}
end
return {1, 0, ''}
"""
"""KEYS: the window's counter, optionally the address's bad-credential counter (same hash tag). ARGV: limit,
window ms, bad-credential limit (0: not checked). Replies {allowed 1/0, ms until the window ends, why}."""

_NOTE_BAD = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0
    """Whole seconds until the caller may try again (at least 1 when refused)."""
    reason: str = ""
    """``limit`` (too many requests) or ``bad_credentials`` (too many invalid credentials)."""


class RequestLimiter:
    """The limits of one deployment (its key prefix), over the app's Redis."""

    def __init__(self, commands: CommandSender, keys: KeySpace, settings: Settings) -> None:
        self.commands = commands
        self.keys = keys
        self.settings = settings
        self._count = commands.script(_COUNT)
        self._note_bad = commands.script(_NOTE_BAD)

    def _address_keys(self, address: str) -> tuple[str, str]:
        return self.keys.key("limit", f"ip:{address}", "n"), self.keys.key("limit", f"ip:{address}", "bad")

    def _credential_command(self, kind: str, secret: str) -> Command:
        digest = hashlib.sha256(secret.encode()).hexdigest()[:32]
        limit = self.settings.rate_limit_per_token if kind == "token" else self.settings.rate_limit_per_api_key
        return self.commands.eval(self._count, [self.keys.key("limit", f"{kind}:{digest}", "n")],
                                  [limit, self.settings.rate_limit_window_seconds * 1000, 0])

    async def check(self, address: str, credential: tuple[str, str] | None) -> Verdict:
        """Count one request from ``address`` with ``credential`` (``("token"|"key", secret)``) and say whether
        it may proceed; one round trip. Raises the Redis client's errors."""
        count_key, bad_key = self._address_keys(address)
        commands = [self.commands.eval(self._count, [count_key, bad_key],
                                       [self.settings.rate_limit_per_address,
                                        self.settings.rate_limit_window_seconds * 1000,
                                        self.settings.rate_limit_bad_credentials])]
        if credential is not None:
            commands.append(self._credential_command(*credential))
        for reply in await self.commands.send(commands):
            if isinstance(reply, Exception):
                raise reply
            allowed, pttl, reason = reply
            if not int(allowed):
                window = self.settings.rate_limit_window_seconds
                return Verdict(False, max(1, math.ceil(int(pttl) / 1000)) if int(pttl) > 0 else window,
                               str(reason))
        return Verdict(True)

    async def note_bad_credentials(self, address: str) -> int:
        """Count an invalid credential from ``address``; returns how many it sent in the failure window."""
        _, bad_key = self._address_keys(address)
        window_ms = self.settings.rate_limit_bad_credentials_window_seconds * 1000
        return int(await self.commands.call(self.commands.eval(self._note_bad, [bad_key], [window_ms])))


def client_address(scope: Scope) -> str:
    """The caller's address as the server saw it (after uvicorn's proxy-header handling, when enabled)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def limiter_for(state: Any, settings: Settings) -> RequestLimiter | None:
    """The app's limiter (``app.state``), made on first use from the Redis opened in lifespan; None before
    lifespan ran."""
    limiter: RequestLimiter | None = getattr(state, "request_limiter", None)
    if limiter is None:
        redis: RedisStore | None = getattr(state, "redis", None)
        if redis is None:
            return None
        limiter = state.request_limiter = RequestLimiter(redis.commands, redis.keys, settings)
    return limiter


def _credential(scope: Scope) -> tuple[str, str] | None:
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and secret.strip():
                return "token", secret.strip()
        elif name == b"x-api-key" and value:
            return "key", value.decode("latin-1")
    return None


class RateLimitMiddleware:
    """Pure ASGI: answers 429 (problem body, ``Retry-After``) before the app does any work for a caller over
    its limits; websockets and the health probes pass untouched."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.settings.rate_limit_enabled or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        limiter = limiter_for(scope["app"].state, self.settings)
        verdict = Verdict(True)
        if limiter is not None:
            try:
                verdict = await limiter.check(client_address(scope), _credential(scope))
            except Exception as exc:  # noqa: BLE001 - an unreachable Redis must not refuse every request
                log.warning("rate limits not checked: %s", exc.__class__.__name__)
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        detail = ("too many invalid credentials from this address" if verdict.reason == "bad_credentials"
                  else "too many requests")
        response = problem_response(429, "rate_limited", f"{detail}; retry in {verdict.retry_after} s",
                                    headers={"Retry-After": str(verdict.retry_after)},
                                    retry_after=verdict.retry_after, reason=verdict.reason)
        await response(scope, receive, send)
