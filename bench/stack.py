"""The benchmark's stacks: moto server in a child process, the Dwolla emulator in this one.

moto runs apart so that its CPU does not share the consumer's GIL (on AWS, DynamoDB is not in the Lambda's
process); the emulator stays here because the scenarios read its counters and set its fault plan.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from exchange_linker_tools import moto_server
from exchange_linker_tools.emulator import DwollaEmulator, FaultPlan
from exchange_linker_tools.link_events import sqs_record
from exchange_linker_tools.local_run import handler_output_to
from exchange_linker_tools.local_stack import DEFAULT_REGION, LocalStack, aws_environment
from exchange_linker_tools.provision import provision
from exchange_linker_tools.sample_events import generated_events

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageTypeDef

REPO_ROOT = Path(__file__).resolve().parents[1]
_seeds = itertools.count(1000)


@contextlib.contextmanager
def moto_process() -> Iterator[str]:
    """moto server in a child process; yields its endpoint with the AWS variables exported."""
    with moto_server.moto_process() as endpoint, moto_server.exported(aws_environment(endpoint)):
        yield endpoint


@contextlib.contextmanager
def bench_stack(
    endpoint: str,
    *,
    faults: FaultPlan | None = None,
    token_lifetime: int = 3600,
    clock: Callable[[], float] = time.monotonic,
    parameters: dict[str, str] | None = None,
) -> Iterator[LocalStack]:
    """local_stack() with an external moto, an injectable emulator clock (local_stack takes no clock) and
    template parameters of choice."""
    with DwollaEmulator(token_lifetime=token_lifetime, faults=faults, seed=7, clock=clock) as emulator:
        resources = provision(
            f"bench-{uuid.uuid4().hex[:8]}",
            region=DEFAULT_REGION,
            parameters={**(parameters or {}), "DwollaApiUrl": emulator.url},
            credentials={"key": emulator.client_key, "secret": emulator.client_secret},
        )
        yield LocalStack(resources=resources, emulator=emulator, aws_endpoint=endpoint)


@contextlib.contextmanager
def quiet_handler() -> Iterator[IO[str]]:
    """The handler's JSON logs and EMF metrics still get formatted and written, to /dev/null."""
    with open(os.devnull, "w", encoding="utf-8") as sink, handler_output_to(sink):
        yield sink


def fresh_bodies(count: int) -> list[str]:
    """Happy-path link.completed bodies with event ids never used before in this process: the exchange
    path alone (funding sources are opt-in per event and measured apart)."""
    return [event.body for event in generated_events(count, seed=next(_seeds), failure_share=0, funding_every=0)]


def sqs_event(stack: LocalStack, count: int) -> tuple[dict[str, Any], list[MessageTypeDef]]:
    """Publish `count` fresh events, receive them back, and build the Lambda SQS event from them."""
    sqs, url = stack.sqs, stack.resources.queue_url
    bodies = fresh_bodies(count)
    for start in range(0, count, 10):
        entries: Any = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    messages: list[MessageTypeDef] = []
    deadline = time.monotonic() + 30
    while len(messages) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"received {len(messages)} of the {count} messages just published")
        messages += sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, count - len(messages)),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
    records = [sqs_record(message, stack.resources.queue_arn, stack.resources.region) for message in messages]
    return {"Records": records}, messages


def delete_messages(stack: LocalStack, messages: list[MessageTypeDef]) -> None:
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        stack.sqs.delete_message_batch(
            QueueUrl=stack.resources.queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
        )


def synthetic_event(stack: LocalStack, bodies: list[str]) -> dict[str, Any]:
    """A Lambda SQS event shaped exactly as the poller builds one, without the SQS round trips."""
    now = str(int(time.time() * 1000))
    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": now, "ApproximateFirstReceiveTimestamp": now}
    messages: list[Any] = [
        {
            "MessageId": str(uuid.uuid4()),
            "ReceiptHandle": f"bench-{uuid.uuid4().hex}",
            "Body": body,
            "Attributes": {**attributes, "SenderId": "bench"},
            "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),
        }
        for body in bodies
    ]
    return {"Records": [sqs_record(m, stack.resources.queue_arn, stack.resources.region) for m in messages]}
