"""`python -m exchange_linker_tools.chaos --seed 7 --events 300`: one chaos run, its report, exit 1 on a problem."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from exchange_linker_tools.chaos.driver import ChaosConfig, format_report, run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--events", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--run-dir", type=Path, default=None, help="worker logs and report.json (default: a temp dir)")
    args = parser.parse_args()
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="chaos-"))
    report = run_chaos(ChaosConfig(seed=args.seed, events=args.events, workers=args.workers, run_dir=run_dir))
    print(format_report(report))
    return 0 if report.verdict.ok and report.settled else 1


if __name__ == "__main__":
    raise SystemExit(main())
