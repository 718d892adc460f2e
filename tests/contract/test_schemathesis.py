"""Property-based: schemathesis generates requests for the operations exchange-linker uses from the official
document and checks that no emulator answer breaks it (status codes, content types, schemas, headers).

Slow (hundreds of requests per operation): `make conformance`, not `make test`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import Case

from exchange_linker_tools.emulator import DwollaEmulator
from tests.contract.official_spec import HAL_JSON, OPERATIONS, prepared_document
from tests.dwolla_client import access_token

pytestmark = pytest.mark.slow
# Only the responses are checked: whether the emulator refuses every request the document forbids
# (negative_data_rejection) or accepts every one it allows with fake customers, tokens and exchanges
# (positive_data_acceptance) is emulator fidelity, which its own tests cover.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def emulator() -> Iterator[DwollaEmulator]:
    with DwollaEmulator(seed=11) as running:
        yield running


def _schema() -> Any:
    document = prepared_document("http://127.0.0.1")
    schema = schemathesis.openapi.from_dict(document)
    wanted = {(path, method.upper()) for path, method in OPERATIONS}
    return schema.include(lambda ctx: (ctx.operation.path, ctx.operation.method.upper()) in wanted)


schema = _schema()


@pytest.fixture(scope="module")
def bearer(emulator: DwollaEmulator) -> str:
    return access_token(emulator.url, emulator.client_key, emulator.client_secret)


@schema.parametrize()
def test_no_emulator_answer_breaks_the_official_document(case: Case, emulator: DwollaEmulator, bearer: str) -> None:
    _call(case, emulator, bearer)


@schema.parametrize()
def test_nor_any_answer_for_a_known_customer(case: Case, emulator: DwollaEmulator, bearer: str) -> None:
    """The document types `{id}` as any string, so generated ids are almost all unknown (404); here the
    id is a UUID, which the emulator knows as a customer, so the bodies' own checks (400s) are reached."""
    if case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = str(uuid.UUID(int=random.Random(repr(case.body)).getrandbits(128)))
    _call(case, emulator, bearer)


def _call(case: Case, emulator: DwollaEmulator, bearer: str) -> None:
    headers = {"Accept": HAL_JSON}
    if case.path == "/token":
        auth: tuple[str, str] | None = (emulator.client_key, emulator.client_secret)
    else:
        auth, headers["Authorization"] = None, f"Bearer {bearer}"
    case.headers = {**(case.headers or {}), **headers}
    case.call_and_validate(base_url=emulator.url, auth=auth, checks=CHECKS)
