"""The real consumer's requests and the emulator's answers, checked against Dwolla's official OpenAPI.

The consumer is configured with a recording proxy's URL as DWOLLA_API_URL (the emulator answers with the
proxy as its public origin, as Dwolla answers behind its edge); every byte that crosses is validated
with openapi-core against tests/contract/dwolla-openapi/openapi.yml, quirks listed in official_spec.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from exchange_linker.contracts.dead_letter import EVIDENCE_ATTRIBUTE
from exchange_linker.reconcile.scope import Scope
from exchange_linker_tools.local_stack import LocalStack
from tests.conftest import CUSTOMER_ID
from tests.contract.conformance import breaches
from tests.contract.official_spec import HAL_JSON, OPERATIONS, raw_document
from tests.contract.recorder import Exchange, RecordingProxy, recording_proxy
from tests.integration.helpers import drain, replay_everything
from tests.integration.reconcile.stack_helpers import reconciliation

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).parents[2] / "events"
FUNDING = {"name": "Jane Doe's Checking", "bankAccountType": "checking"}


@pytest.fixture
def proxy(stack: LocalStack) -> Iterator[RecordingProxy]:
    with recording_proxy(stack.emulator.url) as recording:
        stack.emulator.public_url = recording.url  # Locations name the origin the client was configured with
        yield recording


def publish_sample_events(stack: LocalStack) -> int:
    published = 0
    for path in sorted(EVENTS.glob("*.json")):
        if path.name == "expected.json":
            continue
        for record in json.loads(path.read_text())["Records"]:
            stack.publish(record["body"])
            published += 1
    return published


def test_every_request_the_consumer_sends_and_every_answer_conform(stack: LocalStack, proxy: RecordingProxy) -> None:
    publish_sample_events(stack)
    drain(stack, stack.consumer(DWOLLA_API_URL=proxy.url))
    recorded = proxy.take()
    seen = {(e.request.method, e.request.path.split("/")[1], e.response.status_code) for e in recorded}
    # token, partners, customer and account creations, created and refused (400, 404) all crossed the wire,
    # and the funding sources the funding-source samples ask for (the account's POST /funding-sources too)
    assert {("POST", "token", 200), ("GET", "exchange-partners", 200), ("POST", "exchanges", 201)} <= seen
    assert {("POST", "customers", 201), ("POST", "customers", 400), ("POST", "customers", 404)} <= seen
    assert ("POST", "funding-sources", 201) in seen
    assert any(e.request.path.endswith("/funding-sources") and e.response.status_code == 201 for e in recorded)
    assert breaches(recorded, proxy.url) == []


def test_authorization_follows_the_documented_schemes(stack: LocalStack, proxy: RecordingProxy) -> None:
    """openapi-core skips oauth2 schemes, so the two schemes are checked here: Basic on /token, Bearer else."""
    stack.publish(json.dumps(_event()))
    drain(stack, stack.consumer(DWOLLA_API_URL=proxy.url))
    recorded = proxy.take()
    assert recorded
    for exchange in recorded:
        expected = "Basic " if exchange.request.path == "/token" else "Bearer "
        assert exchange.request.headers.get("Authorization", "").startswith(expected), exchange.line
        if exchange.request.path == "/token":
            assert exchange.request.form.to_dict() == {"grant_type": "client_credentials"}


def test_the_reads_the_service_sends_conform(stack: LocalStack, proxy: RecordingProxy) -> None:
    """The service's own client reads: GET /exchanges/{id} when a replayed message brings an exchangeUrl to
    verify, and both exchange lists when the reconciliation runs (a removed exchange listed, an unknown
    customer answered 404), all through the proxy."""
    for event in (_event(), _event(), _event(customerId=None)):
        stack.publish(json.dumps(event))
    drain(stack, stack.consumer(DWOLLA_API_URL=proxy.url))
    mine = next(e for e in stack.emulator.exchanges if e.customer_id == CUSTOMER_ID)
    stack.emulator.remove_exchange(next(e for e in stack.emulator.exchanges if e.customer_id is None).id)
    for url in (mine.location, f"{proxy.url}/exchanges/00000000-0000-0000-0000-000000000000"):
        stack.publish(json.dumps(_event()), attributes={EVIDENCE_ATTRIBUTE: json.dumps({"exchangeUrl": url})})
        drain(stack, stack.consumer(DWOLLA_API_URL=proxy.url))
    unknown = "00000000-0000-0000-0000-000000000000"
    stack.emulator.page_exchange_lists(1)  # the customer's two exchanges on two pages, linked by `next`
    report = reconciliation(stack, DWOLLA_API_URL=proxy.url).run(
        Scope.of(customers=[CUSTOMER_ID, unknown], account=True)
    )
    recorded = proxy.take()
    reads = {(_operation(e.request.path), e.response.status_code) for e in recorded if e.request.method == "GET"}
    assert reads >= {("getExchange", 200), ("getExchange", 404), ("listAccountExchanges", 200)}
    assert reads >= {("listCustomerExchanges", 200), ("listCustomerExchanges", 404)}  # known and unknown
    assert [r.exchange_id for r in report.result.removed]
    assert report.unread == {unknown: "NotFound"}
    assert any("offset=1" in e.request.full_path for e in recorded)  # the next page was read
    assert breaches(recorded, proxy.url) == []


def test_the_consumers_funding_source_requests_and_their_answers_conform(
    stack: LocalStack, proxy: RecordingProxy
) -> None:
    """The consumer's own funding-source POSTs (customer and account), answered 201, 403 and 400
    DuplicateResource, each validated against CreateCustomerExchangeFundingSource / createFundingSource."""
    stack.emulator.add_fault_rule("Forbidden", customer_id=CUSTOMER_ID, operation="funding-source")
    customer = _event(fundingSource=FUNDING)
    stack.publish(json.dumps(customer))
    stack.publish(json.dumps(_event(customerId=None, fundingSource={**FUNDING, "bankAccountType": "savings"})))
    consumer = stack.consumer(DWOLLA_API_URL=proxy.url)
    drain(stack, consumer)
    first = proxy.take()
    assert {_line(e) for e in first if "funding-sources" in e.request.path} == {
        ("POST", "/customers/*/funding-sources", 403),
        ("POST", "/funding-sources", 201),
    }
    # Someone else made the customer's funding source meanwhile; the replay's POST is a DuplicateResource.
    stack.emulator.clear_fault_rules()
    session = _authorized(proxy.url, stack)
    exchange_url = stack.result(customer["eventId"])["exchangeUrl"]
    made = session.post(
        f"{proxy.url}/customers/{CUSTOMER_ID}/funding-sources",
        json={**FUNDING, "_links": {"exchange": {"href": exchange_url}}},
    )
    assert made.status_code == 201
    proxy.take()
    assert replay_everything(stack).moved == 1
    drain(stack, consumer)
    second = proxy.take()
    assert [_line(e) for e in second if "funding-sources" in e.request.path] == [
        ("POST", "/customers/*/funding-sources", 400)
    ]
    assert stack.result(customer["eventId"])["fundingSourceUrl"] == made.headers["Location"]
    assert breaches(first + second, proxy.url) == []


def test_operations_the_service_does_not_call_conform(stack: LocalStack, proxy: RecordingProxy) -> None:
    """The emulator's partner-by-id and funding-source answers, asked by hand: the service has no such call
    (it POSTs funding sources itself, above, but never reads one)."""
    stack.publish(json.dumps(_event(fundingSource=FUNDING)))
    drain(stack, stack.consumer(DWOLLA_API_URL=proxy.url))
    (funding_source,) = [
        e.response.headers["Location"] for e in proxy.take() if e.request.path.endswith("/funding-sources")
    ]
    session = _authorized(proxy.url, stack)
    partner = session.get(f"{proxy.url}/exchange-partners").json()["_embedded"]["exchange-partners"][0]
    answers = [session.get(f"{proxy.url}/exchange-partners/{partner['id']}"), session.get(funding_source)]
    assert [a.status_code for a in answers] == [200, 200]
    assert breaches(proxy.take(), proxy.url) == []


def test_the_validator_refuses_what_dwolla_would(stack: LocalStack, proxy: RecordingProxy) -> None:
    """The check is not vacuous: a request without the HAL Accept header, and a token exchange without
    its partner link, are both breaches."""
    session = _authorized(proxy.url, stack)
    session.get(f"{proxy.url}/exchanges", headers={"Accept": "application/json"})
    session.post(f"{proxy.url}/customers/{CUSTOMER_ID}/exchanges", json={"token": "processor-sandbox-x"})
    found = breaches(proxy.take(), proxy.url)
    assert [line.split(":")[0] for line in found if line.startswith("request")] == [
        "request  GET /exchanges -> 406",
        "request  POST /customers/74a207b2-b7b7-4efa-8bf8-582148e7b980/exchanges -> 400",
    ]


def test_the_operations_checked_are_in_the_official_document() -> None:
    paths = raw_document()["paths"]
    assert all(method in paths[path] for path, method in OPERATIONS)


def _event(**fields: object) -> dict[str, object]:
    from tests.conftest import link_event

    return link_event(**fields)


def _line(exchange: Exchange) -> tuple[str, str, int]:
    path = re.sub(r"^/customers/[^/]+/", "/customers/*/", exchange.request.path)
    return exchange.request.method, path, exchange.response.status_code


def _operation(path: str) -> str:
    """The official operationId of a GET path the service reads."""
    parts = path.strip("/").split("/")
    if parts[0] == "customers":
        return "listCustomerExchanges"
    if parts[0] == "exchanges":
        return "getExchange" if len(parts) == 2 else "listAccountExchanges"
    return parts[0]


def _authorized(base_url: str, stack: LocalStack) -> requests.Session:
    """A client of the operations the service's own client does not call."""
    token = requests.post(
        f"{base_url}/token",
        data={"grant_type": "client_credentials"},
        auth=(stack.emulator.client_key, stack.emulator.client_secret),
        timeout=10,
    ).json()["access_token"]
    session = requests.Session()
    session.headers.update({"Accept": HAL_JSON, "Authorization": f"Bearer {token}", "Content-Type": HAL_JSON})
    return session
