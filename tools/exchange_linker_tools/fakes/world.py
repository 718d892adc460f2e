"""A RecordProcessor wired to the in-memory ports: the unit tests' starting point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from exchange_linker.dwolla.exchanges import ExchangeService
from exchange_linker.dwolla.tokens import TokenProvider
from exchange_linker.ingest.processor import RecordProcessor
from exchange_linker.timestamps import utc_now
from exchange_linker_tools.fakes.dwolla import TEST_FINGERPRINTS, FakeDwolla, MemoryTokens
from exchange_linker_tools.fakes.queues import MemoryDeadLetters
from exchange_linker_tools.fakes.results import MemoryResults


class ProcessorWorld(NamedTuple):
    processor: RecordProcessor
    dwolla: FakeDwolla
    results: MemoryResults
    dead_letters: MemoryDeadLetters


def processor_world(
    dwolla: FakeDwolla | None = None, *, clock: Callable[[], datetime] = utc_now, max_receive_count: int = 3
) -> ProcessorWorld:
    """The processor on FakeDwolla (or a subclass), MemoryResults and MemoryDeadLetters."""
    dwolla = dwolla if dwolla is not None else FakeDwolla()
    results, dead_letters = MemoryResults(), MemoryDeadLetters()
    processor = RecordProcessor(
        ExchangeService(dwolla, TokenProvider(MemoryTokens(), dwolla)),
        results,
        dead_letters,
        fingerprints=TEST_FINGERPRINTS,
        max_receive_count=max_receive_count,
        clock=clock,
    )
    return ProcessorWorld(processor, dwolla, results, dead_letters)
