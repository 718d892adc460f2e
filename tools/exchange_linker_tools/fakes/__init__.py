"""In-memory stand-ins for the service's ports, one of each, shared by tests, bench and the harness.

Each fake keeps the rules of the adapter it replaces; tests/ports/ runs the same contract suite against
both, so a fake that drifts from its adapter fails there before it lets a test pass that production would not.
"""

from exchange_linker_tools.fakes.clock import FakeClock
from exchange_linker_tools.fakes.dwolla import TEST_FINGERPRINTS, FakeDwolla, MemoryTokens
from exchange_linker_tools.fakes.queues import MemoryDeadLetters, MemoryQueue
from exchange_linker_tools.fakes.results import MemoryResults
from exchange_linker_tools.fakes.world import ProcessorWorld, processor_world

__all__ = [
    "TEST_FINGERPRINTS",
    "FakeClock",
    "FakeDwolla",
    "MemoryDeadLetters",
    "MemoryQueue",
    "MemoryResults",
    "MemoryTokens",
    "ProcessorWorld",
    "processor_world",
]
