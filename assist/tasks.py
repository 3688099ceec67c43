"""Background tasks that service objects run for the app's lifetime: a sweep, a poll, a writer."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` and wait until it has stopped (nothing for None): at shutdown no task may go on using
    connections about to close, and its cancellation is the expected way out, not an error."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
