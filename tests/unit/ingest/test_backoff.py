import random

import pytest

from exchange_linker.contracts.link_completed import parse_link_completed
from exchange_linker.dwolla.exchanges import RATE_LIMITED_ATTEMPTS, ExchangeService
from exchange_linker.dwolla.limiter import AdaptiveLimiter
from exchange_linker.dwolla.partners import PartnerDirectory
from exchange_linker.dwolla.tokens import TokenProvider
from exchange_linker.errors import AwsError, DwollaError, NotAttemptedError
from exchange_linker.ingest.backoff import MAX_DELAY, RATE_LIMIT_PENALTY, retry_delay
from exchange_linker_tools.fakes import FakeDwolla, MemoryTokens
from tests.conftest import body


def limited_service(dwolla: FakeDwolla, limiter: AdaptiveLimiter) -> ExchangeService:
    partners = PartnerDirectory(lambda: {"Plaid": "https://dwolla.test/p"})
    return ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla), partners, limiter=limiter)


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


def test_a_429_is_retried_through_the_limiter_then_handed_back_not_failed():
    dwolla = FakeDwolla()
    limiter = AdaptiveLimiter(4, min_rate=50.0)  # a high floor: the paced retries wait milliseconds
    service = limited_service(dwolla, limiter)
    event = parse_link_completed(body())
    too_many = DwollaError("TooManyRequests", "slow down", permanent=False, status=429)
    dwolla.failures = [too_many, too_many]
    assert service.create(event, 0).exchange_id == "x1"  # the third POST, same key, went through
    assert len(set(dwolla.keys)) == 1
    assert len(dwolla.keys) == 3
    assert limiter.state().rate is not None  # the container now paces its POSTs
    dwolla.failures = [too_many] * RATE_LIMITED_ATTEMPTS
    with pytest.raises(NotAttemptedError, match="TooManyRequests"):
        service.create(event, 0)


def test_a_post_that_fails_any_way_gives_its_permit_back():
    dwolla = FakeDwolla()
    limiter = AdaptiveLimiter(2)
    service = limited_service(dwolla, limiter)
    event = parse_link_completed(body())
    dwolla.failures = [
        DwollaError("ServerError", "boom", permanent=False, status=500),
        NotAttemptedError("DeadlineExceeded", "out of time"),
        AwsError("secretsmanager", "InternalServiceError", "down"),
    ]
    for _ in range(3):
        with pytest.raises(Exception, match=r"boom|out of time|down"):
            service.create(event, 0)
    assert limiter.state().in_flight == 0
    assert limiter.state().rate is None  # none of those was a 429
