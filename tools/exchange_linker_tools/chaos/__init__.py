"""The chaos harness: the real pipeline under seeded faults, verified from the final state.

`proxy` (AWS faults in front of moto), `worker` (a killable "Lambda container"), `schedule` (the seeded
faults and actions), `events` (the traffic), `driver` (the run) and `verify` (the verdict).
`python -m exchange_linker_tools.chaos --help` runs one from the command line.
"""

from exchange_linker_tools.chaos.driver import ChaosConfig, ChaosReport, format_report, run_chaos
from exchange_linker_tools.chaos.proxy import AwsFaultProxy, AwsFaultRates

__all__ = ["AwsFaultProxy", "AwsFaultRates", "ChaosConfig", "ChaosReport", "format_report", "run_chaos"]
