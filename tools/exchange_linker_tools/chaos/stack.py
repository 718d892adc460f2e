"""The run's infrastructure: moto, the Dwolla emulator, the stack from template.yaml, the AWS fault proxy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from exchange_linker_tools.chaos.config import ChaosConfig
from exchange_linker_tools.chaos.fleet import Fleet, worker_environment
from exchange_linker_tools.chaos.proxy import AwsFaultProxy
from exchange_linker_tools.emulator import DwollaEmulator
from exchange_linker_tools.local_stack import DEFAULT_REGION, LocalStack, aws_environment
from exchange_linker_tools.moto_server import exported, moto_process
from exchange_linker_tools.provision import provision


@contextmanager
def chaos_stack(config: ChaosConfig) -> Iterator[tuple[LocalStack, AwsFaultProxy, Fleet]]:
    """moto, the emulator (with a distinctive client secret), the stack from template.yaml, the proxy,
    and a fleet of workers not started yet; everything is stopped on the way out."""
    config.run_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as exit_stack:
        endpoint = config.aws_endpoint or exit_stack.enter_context(moto_process())
        exit_stack.enter_context(exported(aws_environment(endpoint, DEFAULT_REGION), cleared=()))
        emulator = exit_stack.enter_context(
            DwollaEmulator(
                client_key=f"chaos-key-{uuid.uuid4().hex[:8]}",
                client_secret=f"chaos-client-secret-{uuid.uuid4().hex}",
                seed=config.seed,
            )
        )
        resources = provision(
            f"chaos-{config.seed}-{uuid.uuid4().hex[:6]}",
            region=DEFAULT_REGION,
            # With a bus, as production runs: the outcome publisher behind the table's stream (chaos.outbox).
            parameters={"DwollaApiUrl": emulator.url, "OutcomeEventBusName": f"chaos-outcomes-{uuid.uuid4().hex[:6]}"},
            credentials={"key": emulator.client_key, "secret": emulator.client_secret},
        )
        stack = LocalStack(resources=resources, emulator=emulator, aws_endpoint=endpoint)
        stack.sqs.set_queue_attributes(
            QueueUrl=resources.queue_url, Attributes={"VisibilityTimeout": str(config.visibility_timeout)}
        )
        proxy = exit_stack.enter_context(AwsFaultProxy(endpoint, seed=config.seed))
        fleet = Fleet(config, worker_environment(stack, proxy, config), resources)
        exit_stack.callback(fleet.stop)
        yield stack, proxy, fleet
