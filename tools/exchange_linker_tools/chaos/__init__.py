"""The chaos harness: the real pipeline under seeded faults, verified from the final state.

`proxy` (AWS faults in front of moto), `worker` (a killable "Lambda container") and `fleet` (the
workers), `schedule` (the seeded faults and actions), `events` and `publisher` (the traffic), `stack`
(the infrastructure), `replays` (the operator), `driver` (the run loop), `collect` (the final state and
the verdict from `verify`), `config` and `report` (settings, report and its text).
`python -m exchange_linker_tools.chaos --help` runs one from the command line.
"""

from exchange_linker_tools.chaos.config import ChaosConfig, ChaosReport
from exchange_linker_tools.chaos.driver import run_chaos
from exchange_linker_tools.chaos.proxy import AwsFaultProxy, AwsFaultRates
from exchange_linker_tools.chaos.report import format_report

__all__ = ["AwsFaultProxy", "AwsFaultRates", "ChaosConfig", "ChaosReport", "format_report", "run_chaos"]
