"""A local stand-in for the outcome bus and a subscriber to it: the bus the template names, a rule for every
outcome event, and a queue the rule fills, so `make run` and the tests read what downstream services would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exchange_linker.contracts.outcome_event import SOURCE

if TYPE_CHECKING:
    from exchange_linker_tools.local_stack import LocalStack

RULE_NAME = "every-outcome"


@dataclass(frozen=True)
class OutcomeSubscriber:
    stack: LocalStack
    bus_name: str
    queue_url: str

    @classmethod
    def attach(cls, stack: LocalStack, *, create_bus: bool = True) -> OutcomeSubscriber:
        """Subscribe a queue to the stack's outcome bus (created first unless `create_bus` is False)."""
        if stack.resources.outcome_publisher is None:
            raise ValueError("this stack has no outcome bus (template parameter OutcomeEventBusName)")
        bus = stack.resources.outcome_publisher.function_environment["OUTCOME_EVENT_BUS_NAME"]
        events = stack.session.client("events")
        if create_bus:
            events.create_event_bus(Name=bus)
        queue_url = stack.sqs.create_queue(QueueName=f"{bus}-subscriber")["QueueUrl"]
        attributes = stack.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        events.put_rule(Name=RULE_NAME, EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]}))
        events.put_targets(
            Rule=RULE_NAME, EventBusName=bus, Targets=[{"Id": "subscriber", "Arn": attributes["QueueArn"]}]
        )
        return cls(stack=stack, bus_name=bus, queue_url=queue_url)

    def received(self) -> list[dict[str, Any]]:
        """Every outcome event delivered since the last call (EventBridge envelopes, `detail` parsed)."""
        sqs, found = self.stack.sqs, list[dict[str, Any]]()
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return found
            found.extend(json.loads(message["Body"]) for message in messages)
            sqs.delete_message_batch(  # one call per receive: a long run reads thousands
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(messages)],
            )
