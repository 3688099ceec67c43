"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from assist.dependencies import DatabaseDep, RedisDep
from assist.errors import problem_response

router = APIRouter(tags=["health"])


class Alive(BaseModel):
    status: Literal["ok"] = "ok"


@router.get("/healthz", summary="The process is up")
async def healthz() -> Alive:
    return Alive()


@router.get("/readyz", summary="Redis and the database answer", responses={503: {"description": "not ready"}})
async def readyz(redis: RedisDep, db: DatabaseDep) -> Any:
    """200 when both stores answer; else 503 ``not_ready`` naming the ones that do not (``failed``)."""
    redis_ok, database_ok = await asyncio.gather(redis.ping(), db.ping())  # both at once: one timeout at most
    checks = {"redis": redis_ok, "database": database_ok}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        return problem_response(503, "not_ready", f"not answering: {', '.join(failed)}", failed=failed,
                                checks=checks)
    return JSONResponse({"status": "ready", "checks": checks})
