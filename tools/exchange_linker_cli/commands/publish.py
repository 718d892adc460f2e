"""`exchange-linker publish`: validate an event against the v1 contract, then send it to the queue."""

from __future__ import annotations

import json
import uuid
from typing import Any

import click

from exchange_linker_cli.connection import connect
from exchange_linker_cli.failures import usage
from exchange_linker_cli.options import JSON_OUTPUT, QUEUE_URL, KeyValue, aws_options
from exchange_linker_cli.output import Column, print_json, print_rows, say
from exchange_linker_cli.targets import queue_named, resolve_targets

PARTNERS = ["Plaid", "MX", "Flinks", "Finicity", "Checkout.com"]
EXAMPLE = """\b
Examples:
  exchange-linker publish --customer-id 74a207b2-b7b7-4efa-8bf8-582148e7b980 --partner Plaid --token processor-123
  exchange-linker publish --file event.json --stack-name exchange-linker-sandbox --json
"""


@click.command(epilog=EXAMPLE)
@click.option("--file", "event_file", type=click.File("r"), help="A JSON event (use - for stdin).")
@click.option("--event-id", help="Defaults to a new UUID.")
@click.option("--customer-id", help="Dwolla customer id; omit for an account exchange.")
@click.option("--partner", type=click.Choice(PARTNERS, case_sensitive=False))
@click.option("--token", help="Processor token / authorization code / pay_ id.")
@click.option("--plaid-public-token", help="Plaid open banking public token.")
@click.option("--mx-connection-token", help="MX open banking availableConnectionToken.")
@click.option("--finicity-receipt", type=click.File("r"), help="A JSON file with the Finicity receipt.")
@click.option("--metadata", type=KeyValue(), multiple=True, help="Non-secret metadata, repeatable.")
@QUEUE_URL
@aws_options
@JSON_OUTPUT
@click.pass_context
def publish(
    ctx: click.Context,
    *,
    event_file: Any,
    event_id: str | None,
    customer_id: str | None,
    partner: str | None,
    token: str | None,
    plaid_public_token: str | None,
    mx_connection_token: str | None,
    finicity_receipt: Any,
    metadata: tuple[tuple[str, str], ...],
    queue_url: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
    as_json: bool,
) -> None:
    """Validate a link.completed event against the v1 contract and send it to the queue.

    Nothing is sent when the event is invalid: the line says which field and why.
    """
    from exchange_linker.contracts.link_completed import parse_link_completed
    from exchange_linker.errors import InvalidEventError

    if event_file is not None:
        body = event_file.read()
    else:
        event: dict[str, Any] = {"eventId": event_id or str(uuid.uuid4()), "eventType": "link.completed"}
        optional = {
            "customerId": customer_id,
            "partner": partner,
            "token": token,
            "plaid": {"publicToken": plaid_public_token} if plaid_public_token else None,
            "mx": {"availableConnectionToken": mx_connection_token} if mx_connection_token else None,
            "finicity": _receipt(finicity_receipt) if finicity_receipt else None,
            "metadata": dict(metadata) if metadata else None,
        }
        event.update({key: value for key, value in optional.items() if value is not None})
        body = json.dumps(event)
    try:
        parsed = parse_link_completed(body)
    except InvalidEventError as invalid:
        raise usage(f"not a valid v1 link.completed event: {invalid} (nothing was sent)") from None
    connection = connect(ctx, region=region, profile=profile)
    target = resolve_targets(connection, stack_name, queue_url=queue_url).require("queue_url")
    with queue_named(target, "link-completed", "queue_url"):
        message_id = connection.clients.sqs.send_message(QueueUrl=target, MessageBody=body)["MessageId"]
    answer = {"eventId": parsed.event_id, "messageId": message_id}
    if as_json:
        print_json(answer)
        return
    print_rows([answer], (Column("eventId", identifier=True), Column("messageId", identifier=True)))
    say(f"Published to {target}; follow it with `exchange-linker status --event-id {parsed.event_id}`.")


def _receipt(stream: Any) -> Any:
    try:
        return json.load(stream)
    except ValueError:
        raise usage(f"--finicity-receipt {getattr(stream, 'name', '')}: not a JSON document") from None
