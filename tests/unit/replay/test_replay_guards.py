"""The guards the CLI and the replay Lambda share: codes in any case, unknown codes refused, messages that
fail again unchanged held back unless their code is named, and counts that add up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from exchange_linker.dwolla.classification import KNOWN_ERROR_CODES, NOT_REPLAYABLE_UNCHANGED, known_error_code
from exchange_linker.replay.filter import ReplayFilter
from exchange_linker.replay.replayer import Action, Replayer, UnknownErrorCodeError
from exchange_linker_tools.fakes import MemoryQueue
from tests.conftest import body
from tests.unit.replay.test_replay_core import reason

LAYER = Path(__file__).resolve().parents[3] / "layers" / "exchange_linker" / "exchange_linker"


def mixed_dlq() -> MemoryQueue:
    dlq = MemoryQueue()
    for index, code in enumerate(["InvalidScope", "InvalidScope", "InvalidEvent", "ConflictingEvent", "NotFound"]):
        dlq.put(body(eventId=f"evt-{index}"), reason(code, f"evt-{index}"))
    dlq.put("not json at all", reason("InvalidEvent"))
    return dlq


def test_held_back_unless_named():
    dlq, destination = mixed_dlq(), MemoryQueue()
    summary = Replayer(dlq, destination).run(ReplayFilter(), dry_run=False)
    assert (summary.scanned, summary.matched, summary.moved, summary.held_back, summary.not_matched) == (6, 3, 3, 3, 0)
    assert dict(summary.held_back_by_error_code) == {"InvalidEvent": 2, "ConflictingEvent": 1}
    assert dict(summary.by_error_code) == {"InvalidScope": 2, "NotFound": 1}
    assert len(dlq.messages) == 3  # the held-back ones stay, visible
    assert len(dlq.visible_ids()) == 3
    actions = {row.view.error_code: row.action for row in summary.rows}
    assert actions["InvalidEvent"] is Action.HELD_BACK
    assert summary.as_dict()["heldBack"] == 3


def test_named_by_code_they_move():
    dlq, destination = mixed_dlq(), MemoryQueue()
    summary = Replayer(dlq, destination).run(ReplayFilter(error_codes={"invalidevent"}), dry_run=False)
    assert (summary.matched, summary.moved, summary.held_back, summary.not_matched) == (2, 2, 0, 4)
    assert "not json at all" in [sent for sent, _ in destination.sent]


def test_a_filter_on_another_kind_still_holds_them_back():
    summary = Replayer(mixed_dlq()).run(ReplayFilter(event_ids={"evt-2", "evt-0"}), dry_run=True)
    assert (summary.matched, summary.held_back) == (1, 1)


def test_the_limit_counts_only_what_moves():
    dlq, destination = mixed_dlq(), MemoryQueue()
    summary = Replayer(dlq, destination).run(ReplayFilter(), dry_run=False, limit=3)
    assert summary.moved == 3


def test_codes_match_in_any_case_and_are_spelt_canonically():
    selection = ReplayFilter(error_codes={"invalidscope", "NOTFOUND", "http404"})
    assert selection.error_codes == {"InvalidScope", "NotFound", "Http404"}
    summary = Replayer(mixed_dlq()).run(selection, dry_run=True)
    assert summary.matched == 3


def test_unknown_reason_is_selectable_by_its_name():
    dlq = MemoryQueue()
    dlq.put(body(eventId="evt-redriven"))  # SQS's redrive: no attributes, no result
    summary = Replayer(dlq).run(ReplayFilter(error_codes={"unknown"}), dry_run=True)
    assert summary.matched == 1


def test_an_unknown_code_is_refused_with_the_known_ones():
    with pytest.raises(UnknownErrorCodeError) as refused:
        Replayer(mixed_dlq()).check_error_codes(ReplayFilter(error_codes={"InvalidScop"}))
    message = str(refused.value)
    assert message.startswith("unknown error code InvalidScop (in no DLQ message either); known codes: ")
    assert all(code in message for code in KNOWN_ERROR_CODES)


def test_a_code_new_to_us_but_in_the_dlq_is_accepted():
    dlq = mixed_dlq()
    dlq.put(body(eventId="evt-new"), reason("DuplicateResource", "evt-new"))
    Replayer(dlq).check_error_codes(ReplayFilter(error_codes={"duplicateresource"}))
    assert len(dlq.visible_ids()) == 7  # the look moved nothing and hid nothing


def test_known_codes_need_no_look_at_the_dlq():
    dlq = mixed_dlq()
    Replayer(dlq).check_error_codes(ReplayFilter(error_codes={"ExchangeMayExist", "resultnotrecorded"}))
    assert all(stored.receipts == 0 for stored in dlq.messages.values())


def test_every_code_the_layer_writes_is_in_the_catalogue():
    """Literal codes passed to DwollaError/DependencyError, and the codes of the project's exceptions."""
    written = set()
    for path in LAYER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"DwollaError", "DependencyError"}:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    written.add(first.value)
            named_code = isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "code" for t in node.targets)
            if named_code and isinstance(node.value, ast.Constant):
                written.add(node.value.value)
    assert len(written) >= 10
    assert written - KNOWN_ERROR_CODES == set()
    assert NOT_REPLAYABLE_UNCHANGED <= KNOWN_ERROR_CODES
    assert {known_error_code(code.upper()) for code in written} == written
