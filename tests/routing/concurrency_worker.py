"""One OS process of the two-process capacity proof (run by test_concurrency.py, not a test).

argv: redis_url key_prefix worker_name contact_count. Prints ``ready`` after loading the agents, waits
on ``<prefix>:go`` (BLPOP, so both processes start together), submits its contacts from 32 concurrent
tasks, then prints a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import sys

from assist.stores.redis import open_client
from routing.engine import Contact
from routing.service import RoutingService


async def main(url: str, prefix: str, name: str, count: int) -> None:
    client = open_client(url)  # a cluster client for a redis+cluster:// URL
    service = RoutingService(client, lambda scope, tag, *parts: ":".join([prefix, f"{{{scope}:{tag}}}", *parts]))
    await service.sync()
    print("ready", flush=True)
    await client.blpop([f"{prefix}:go"], timeout=60)
    offers: list[str] = []
    queued: list[str] = []
    pending = list(range(count))

    async def submitter() -> None:
        while pending:
            i = pending.pop()
            channel = "voice" if i % 4 == 0 else "chat"
            contact = Contact(f"{name}-{i}", channel, {"billing": 1}, {}, "en", i % 100, None, service.clock())
            routed = await service.submit(contact)
            if routed.offer is not None:
                offers.append(routed.offer.reservation_id)
            else:
                queued.append(contact.contact_id)

    await asyncio.gather(*(submitter() for _ in range(32)))
    print(json.dumps({"offers": offers, "queued": queued}), flush=True)
    await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
