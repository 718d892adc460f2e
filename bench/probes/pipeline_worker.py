"""`exchange-linker run`'s pipeline on generated events, in its own process (so py-spy can sample it).

    python -m bench.probes.pipeline_worker EVENTS RESULT.json

Everything lives in this process, as with `make run`: moto server, the Dwolla emulator (zero latency),
the poller and the real handler.
"""

from __future__ import annotations

import json
import os
import sys

from exchange_linker_tools.local_run import run_pipeline
from exchange_linker_tools.local_stack import local_stack
from exchange_linker_tools.sample_events import generated_events


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    events = generated_events(count, seed=21, failure_share=0, funding_every=0)
    with local_stack(seed=7) as stack, open(os.devnull, "w", encoding="utf-8") as sink:
        summary = run_pipeline(stack, events, log_stream=sink)
        result = {
            "events": count,
            "elapsed_seconds": summary.elapsed_seconds,
            "events_per_second": count / summary.elapsed_seconds,
            "batches": summary.batches,
            "all_terminal": summary.all_terminal,
            "counts_by_status": summary.counts_by_status,
            "exchanges_created": summary.exchanges_created_at_dwolla,
        }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
