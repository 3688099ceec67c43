"""Liveness and readiness for orchestrators and load balancers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assist.dependencies import DatabaseDep, RedisDep
from assist.errors import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Redis and the database answer", responses={503: {"description": "not ready"}})
async def readyz(redis: RedisDep, db: DatabaseDep) -> Any:
    checks = {"redis": await redis.ping(), "database": await db.ping()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        return problem_response(503, "not_ready", f"not answering: {', '.join(failed)}", failed=failed,
                                checks=checks)
    return JSONResponse({"status": "ready", "checks": checks})
