import random

import pytest

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.dwolla.exchanges import COOL_DOWN_SECONDS, ExchangeService
from exchange_linker.dwolla.partners import PartnerDirectory
from exchange_linker.errors import DwollaError
from exchange_linker.ingest.backoff import MAX_DELAY, RATE_LIMIT_PENALTY, retry_delay
from tests.conftest import body
from tests.unit.test_processor import FakeDwolla, MemoryTokens


def test_rate_limit_waits_out_the_penalty_or_retry_after():
    rng = random.Random(1)
    assert RATE_LIMIT_PENALTY <= retry_delay("TooManyRequests", 1, None, rng) <= RATE_LIMIT_PENALTY * 1.2
    assert retry_delay("TooManyRequests", 1, 600, rng) >= 600


def test_other_transient_failures_back_off_exponentially_and_are_capped():
    rng = random.Random(1)
    delays = [retry_delay("ServerError", attempt, None, rng) for attempt in range(1, 5)]
    assert delays == sorted(delays)
    assert 20 <= delays[0] <= 24
    assert retry_delay("ServerError", 30, None, rng) == MAX_DELAY


def test_a_429_makes_the_service_stop_calling_dwolla_for_a_while():
    from exchange_linker.dwolla.tokens import TokenProvider

    now = [100.0]
    dwolla = FakeDwolla()
    service = ExchangeService(
        dwolla,
        TokenProvider(MemoryTokens(), dwolla),
        PartnerDirectory(lambda: {"Plaid": "https://dwolla.test/p"}),
        clock=lambda: now[0],
    )
    event = parse_link_completed(body())
    dwolla.failures = [DwollaError("TooManyRequests", "slow down", permanent=False, status=429)]
    for _ in range(3):
        with pytest.raises(DwollaError, match="TooManyRequests"):
            service.create(event, 0)
    assert len(dwolla.keys) == 1  # the two later calls never reached Dwolla
    now[0] += COOL_DOWN_SECONDS + 1
    assert service.create(event, 0).exchange_id == "x1"
