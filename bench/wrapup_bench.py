"""How long the automatic contact summary takes to build on a close, by transcript length. A benchmark, not a
test.

Run: ``.venv/bin/python bench/wrapup_bench.py [--repeats 200]``. Prints the median microseconds per summary
for journeys of 10, 50 and 200 turns (``TRANSCRIPT_LIMIT``), half of them the customer's, with a customer's
personal details to mask. The summary is built once per close, off the event path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assist.journeys.state import JourneyState  # noqa: E402
from assist.wrapup.summary import build_summary, private_values  # noqa: E402

CUSTOMER = {"name": "Sam Carter", "email": "sam.carter@example.com", "phone": "+447700900123",
            "account_number": "AC7781", "address": "1 Mill Lane, York", "date_of_birth": "1990-01-01"}
LINES = ["I was charged twice for order A-1234, this is ridiculous", "It was 45.00 on the 3rd of the month",
         "thanks", "My email is sam.carter@example.com if you need it", "Still waiting for the refund, again!",
         "Can you call me on 07700 900123 tomorrow morning please"]


def journey(turns: int) -> JourneyState:
    j = JourneyState(id="J-bench", customer_id="C-bench", reason="billing_dispute")
    for i in range(turns):
        j.say("chat", "customer" if i % 2 == 0 else "agent", LINES[i % len(LINES)])
    j.mark_done("identity_verified")
    j.mark_done("offer_refund_small")
    j.add_pending("refund_issued")
    j.collected["refund_amount"] = 45
    return j


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    private = private_values(CUSTOMER)
    print("turns  median_us  p95_us")
    for turns in (10, 50, 200):
        j = journey(turns)
        build_summary(j, reason=j.reason, outcome="resolved", private=private)  # warm the catalog and checklists
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            build_summary(j, reason=j.reason, outcome="resolved", private=private)
            times.append((time.perf_counter() - started) * 1e6)
        times.sort()
        print(f"{turns:5d}  {statistics.median(times):9.0f}  {times[int(len(times) * 0.95)]:6.0f}")


if __name__ == "__main__":
    main()
