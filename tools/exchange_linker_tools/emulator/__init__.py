"""A faithful local stand-in for api-sandbox.dwolla.com, for exercising the exchange client offline.

    with DwollaEmulator(seed=7, faults=FaultPlan(server_error_rate=0.1)) as dwolla:
        ...  # point the client at dwolla.url with dwolla.client_key / dwolla.client_secret
        assert len(dwolla.exchanges_for_credential(token)) == 1

Credentials (token, plaid.publicToken, mx.availableConnectionToken, finicity.receiptId) starting with
``invalid``, ``inactive``, ``reauth``, ``deactivated``, ``revoked``, ``server-error`` or ``rate-limited``
get that Dwolla error; anything else succeeds. Customer ``00000000-0000-0000-0000-000000000000`` does
not exist. Operators drive a running emulator through ``/_emulator/...`` (see README.md beside this file).
"""

from exchange_linker_tools.emulator.cli import main, serve
from exchange_linker_tools.emulator.fault_rules import FaultRule
from exchange_linker_tools.emulator.faults import FaultKind, FaultPlan
from exchange_linker_tools.emulator.funding_sources import FundingSource
from exchange_linker_tools.emulator.hangs import Hang
from exchange_linker_tools.emulator.models import CreatedExchange, CredentialKind
from exchange_linker_tools.emulator.rate_limit import RateLimit
from exchange_linker_tools.emulator.server import DwollaEmulator
from exchange_linker_tools.emulator.stats import EmulatorStats

__all__ = [
    "CreatedExchange",
    "CredentialKind",
    "DwollaEmulator",
    "EmulatorStats",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "FundingSource",
    "Hang",
    "RateLimit",
    "main",
    "serve",
]
