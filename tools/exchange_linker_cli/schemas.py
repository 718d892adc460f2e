"""JSON Schemas of the event contracts, generated from the pydantic models into schemas/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from exchange_linker.contracts.link_completed import LinkCompletedEvent, Partner
from exchange_linker.contracts.outcome_event import DETAIL_TYPES, FUNDING_SOURCE_DETAIL_TYPES, SOURCE, OutcomeEvent

# The checkout the CLI is installed from (editable): tools/exchange_linker_cli/ -> the repository.
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO_ROOT / "schemas"
CREDENTIALS = ("token", "plaid", "mx", "finicity")


def case_insensitive(names: list[str]) -> str:
    """A regex matching any of `names` in any case (JSON Schema regexes have no flags)."""

    def letters(name: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in name)

    return "^(" + "|".join(letters(name) for name in names) + ")$"


def link_completed_schema() -> dict[str, Any]:
    schema = LinkCompletedEvent.model_json_schema(by_alias=True, mode="validation")
    names = [partner.value for partner in Partner]
    schema["$defs"]["Partner"] = {
        "type": "string",
        "pattern": case_insensitive(names),
        "examples": names,
        "description": "An exchange partner Dwolla supports, matched case-insensitively.",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/exchange-linker/exchange-linker/schemas/link-completed.v1.schema.json",
        "title": "link.completed v1",
        "description": (
            "An SQS message body asking exchange-linker to create a Dwolla exchange. Exactly one credential "
            "(token, plaid, mx, finicity); no customerId means the account exchange, which takes only token or "
            "finicity. The credential must suit the partner; partner names are matched case-insensitively. May "
            "also arrive wrapped by SNS (Message) or EventBridge (detail). With fundingSource, a bank funding "
            "source is also made from the exchange (not for Checkout.com: Dwolla makes none from a card)."
        ),
        **{key: value for key, value in schema.items() if key != "title"},
        # Rules the model enforces in a validator, spelled out for JSON Schema users:
        "oneOf": [{"required": [name]} for name in CREDENTIALS],
        "if": {"not": {"required": ["customerId"]}},
        "then": {"not": {"anyOf": [{"required": ["plaid"]}, {"required": ["mx"]}]}},
        "allOf": [
            {
                "if": {"properties": {"partner": {"pattern": case_insensitive([Partner.CHECKOUT.value])}}},
                "then": {"not": {"required": ["fundingSource"]}},
            }
        ],
    }


def exchange_outcome_schema() -> dict[str, Any]:
    schema = OutcomeEvent.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/exchange-linker/exchange-linker/schemas/exchange-outcome.v1.schema.json",
        "title": "Exchange Created / Exchange Failed v1 (EventBridge detail)",
        "description": (
            f"The detail of the events exchange-linker puts on its outcome bus (source {SOURCE!r}, detail-type "
            f"{' or '.join(repr(t) for t in [*DETAIL_TYPES.values(), *FUNDING_SOURCE_DETAIL_TYPES.values()])}) after "
            "each terminal outcome (of the exchange, and of the funding source made from it when the event asked "
            "for one). Absent fields are omitted, never null. At-least-once: a consumer de-duplicates by outcomeId "
            "(eventId:status, or eventId:fundingSource:status)."
        ),
        **{key: value for key, value in schema.items() if key != "title"},
    }


def write_schemas(*, check: bool = False) -> list[str]:
    """Write (or with check=True, only compare) every schema file; returns the names that were stale."""
    wanted = {
        "link-completed.v1.schema.json": link_completed_schema(),
        "exchange-outcome.v1.schema.json": exchange_outcome_schema(),
    }
    stale = []
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, schema in wanted.items():
        path = SCHEMA_DIR / name
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale
