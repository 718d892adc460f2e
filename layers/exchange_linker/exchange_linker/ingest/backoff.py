"""How long a transiently failed message waits before SQS offers it again.

A record Dwolla kept answering 429 waits at least a minute (longer if Retry-After says so): by then the
container's limiter has slowed down (Dwolla says a hit limit lasts about five minutes; the limiter keeps
probing meanwhile). Other transient failures back off exponentially from a short delay, instead of the
queue's fixed visibility timeout.
"""

from __future__ import annotations

import random

RATE_LIMIT_PENALTY = 60.0
FIRST_RETRY = 20.0
MAX_DELAY = 900.0  # stays under SQS's 12-hour cap and the queue's retention by a wide margin


def retry_delay(code: str, receive_count: int, retry_after: float | None, rng: random.Random) -> int:
    """Seconds until the next attempt; jittered so retried messages do not return in lockstep."""
    if code == "TooManyRequests":
        base = max(RATE_LIMIT_PENALTY, retry_after or 0.0)
    else:
        base = max(FIRST_RETRY * 2 ** max(receive_count - 1, 0), retry_after or 0.0)
    return int(min(MAX_DELAY, base * rng.uniform(1.0, 1.2)))
