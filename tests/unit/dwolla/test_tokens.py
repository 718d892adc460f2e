import random

import pytest

from exchange_linker.dwolla.tokens import REFUSAL_BACK_OFF, RENEWAL_RETRY, AccessToken, TokenProvider
from exchange_linker.errors import AwsError, DependencyError, DwollaError
from exchange_linker_tools.fakes import FakeClock


class SharedSecret:
    """An in-memory token store: what the Secrets Manager secret is to the fleet."""

    def __init__(self, token: AccessToken | None = None) -> None:
        self.token = token
        self.loads = 0
        self.saves = 0

    def load(self, *, fresh: bool) -> AccessToken | None:
        self.loads += 1
        return self.token

    def save(self, token: AccessToken) -> None:
        self.saves += 1
        self.token = token


class Dwolla:
    def __init__(self, clock) -> None:
        self.clock = clock
        self.issued = 0

    def issue_token(self) -> AccessToken:
        self.issued += 1
        return AccessToken(value=f"token-{self.issued}", expires_at=self.clock() + 3600)


@pytest.fixture
def clock():
    return FakeClock(1_000_000.0)


def provider(store, dwolla, clock, seed=1):
    return TokenProvider(store, dwolla, clock=clock, rng=random.Random(seed))


def test_issues_once_and_shares_the_token(clock):
    store, dwolla = SharedSecret(), Dwolla(clock)
    first = provider(store, dwolla, clock)
    assert first.current().value == "token-1"
    assert first.current().value == "token-1"
    assert (dwolla.issued, store.saves) == (1, 1)


def test_a_second_container_reuses_the_shared_token(clock):
    store, dwolla = SharedSecret(), Dwolla(clock)
    provider(store, dwolla, clock, seed=1).current()
    assert provider(store, dwolla, clock, seed=2).current().value == "token-1"
    assert dwolla.issued == 1


def test_renews_ahead_of_expiry_and_fleet_picks_up_the_renewal(clock):
    store, dwolla = SharedSecret(), Dwolla(clock)
    containers = [provider(store, dwolla, clock, seed=seed) for seed in range(4)]
    for container in containers:
        container.current()
    clock.now += 3600 - 30  # inside every container's renewal margin
    values = {container.current().value for container in containers}
    assert values == {"token-2"}
    assert dwolla.issued == 2


def test_unparsable_or_expired_store_means_no_token(clock):
    store, dwolla = SharedSecret(AccessToken("stale", expires_at=clock.now - 1)), Dwolla(clock)
    assert provider(store, dwolla, clock).current().value == "token-1"


def test_replace_skips_the_rejected_token(clock):
    store, dwolla = SharedSecret(AccessToken("revoked", expires_at=clock.now + 3000)), Dwolla(clock)
    tokens = provider(store, dwolla, clock)
    rejected = tokens.current()
    assert rejected.value == "revoked"
    assert tokens.replace(rejected).value == "token-1"
    assert store.token.value == "token-1"


def test_replace_prefers_a_newer_shared_token(clock):
    store, dwolla = SharedSecret(AccessToken("old", expires_at=clock.now + 3000)), Dwolla(clock)
    tokens = provider(store, dwolla, clock)
    rejected = tokens.current()
    store.token = AccessToken("renewed-elsewhere", expires_at=clock.now + 3600)
    assert tokens.replace(rejected).value == "renewed-elsewhere"
    assert dwolla.issued == 0


def test_repr_hides_the_token():
    assert "abc123" not in repr(AccessToken("abc123", 1.0))


def test_one_secret_read_per_refresh(clock):
    store, dwolla = SharedSecret(), Dwolla(clock)
    tokens = provider(store, dwolla, clock)
    tokens.current()
    assert (store.loads, dwolla.issued) == (1, 1)  # cold start: one read, then POST /token
    clock.now += 3600
    tokens.current()
    assert (store.loads, dwolla.issued) == (2, 2)  # renewal: one fresh read, then POST /token


class BrokenStore(SharedSecret):
    """The token secret while Secrets Manager is down."""

    def __init__(self, token: AccessToken | None = None) -> None:
        super().__init__(token)
        self.down = False

    def load(self, *, fresh: bool) -> AccessToken | None:
        if self.down:
            self.loads += 1
            raise AwsError("secretsmanager", "InternalServiceError", "could not read secret")
        return super().load(fresh=fresh)


class RefusingDwolla(Dwolla):
    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.refusing = True
        self.requests = 0

    def issue_token(self) -> AccessToken:
        self.requests += 1
        if self.refusing:
            raise DwollaError("InvalidClientCredentials", "refused", permanent=False, status=401)
        return super().issue_token()


def test_a_valid_token_keeps_serving_while_its_early_renewal_fails(clock):
    store, dwolla = BrokenStore(), Dwolla(clock)
    tokens = provider(store, dwolla, clock)
    first = tokens.current()
    clock.now += 3600 - 30  # due for early renewal, still valid
    store.down = True
    assert tokens.current() is first
    assert tokens.current() is first
    assert (store.loads, dwolla.issued) == (2, 1)  # one failed renewal attempt, then a pause
    clock.now += RENEWAL_RETRY
    store.down = False
    assert tokens.current().value == "token-2"


def test_an_expired_token_that_cannot_be_renewed_fails():
    clock = lambda: 1_000_000.0  # noqa: E731
    store, dwolla = BrokenStore(AccessToken("old", expires_at=999_000.0)), RefusingDwolla(clock)
    store.down = True
    with pytest.raises(DwollaError, match="InvalidClientCredentials"):
        provider(store, dwolla, clock).current()  # the store is down, so Dwolla is asked; it refuses


def test_refused_credentials_are_asked_again_only_after_a_doubling_back_off(clock):
    store, dwolla = SharedSecret(), RefusingDwolla(clock)
    tokens = provider(store, dwolla, clock)
    for _ in range(5):
        with pytest.raises(DependencyError, match="refused"):
            tokens.current()
    assert dwolla.requests == 1
    clock.now += REFUSAL_BACK_OFF
    with pytest.raises(DependencyError):
        tokens.current()
    assert dwolla.requests == 2
    clock.now += REFUSAL_BACK_OFF  # the second back-off is twice as long
    with pytest.raises(DependencyError, match="no new token request"):
        tokens.current()
    assert dwolla.requests == 2
    clock.now += REFUSAL_BACK_OFF
    dwolla.refusing = False
    assert tokens.current().value == "token-1"
    assert dwolla.requests == 3
