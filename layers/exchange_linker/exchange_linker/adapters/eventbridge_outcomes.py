"""Publishes outcome events to an EventBridge bus with PutEvents."""

from __future__ import annotations

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.contracts.outcome_event import SOURCE, OutcomeEvent
from exchange_linker.errors import AwsError

ATTEMPTS = 3  # PutEvents can fail per entry with a 200 answer; botocore's own retries do not cover that


class EventBridgeOutcomes:
    """Implements outcome_events.OutcomePublisher."""

    def __init__(self, clients: AwsClients, bus_name: str) -> None:
        self._clients = clients
        self._bus_name = bus_name

    def publish(self, event: OutcomeEvent) -> None:
        entry = {
            "Source": SOURCE,
            "DetailType": event.detail_type,
            "Detail": event.detail_json(),
            "EventBusName": self._bus_name,
        }
        code = "PutEventsFailed"
        for _ in range(ATTEMPTS):
            with translated("events"):
                response = self._clients.events.put_events(Entries=[entry])  # type: ignore[list-item]
            if not response.get("FailedEntryCount"):
                return
            code = response["Entries"][0].get("ErrorCode") or code
        raise AwsError("events", code, f"PutEvents refused the outcome event after {ATTEMPTS} attempts")
