"""Makes moto's DynamoDB item operations atomic per request, as DynamoDB's are.

moto's server answers each request on a thread of its own, and its UpdateItem reads the item, evaluates the
condition, then writes: two racing `attribute_not_exists` claims could both succeed, and a read could see an
update half applied. DynamoDB serializes the writes to an item, so the service's conditional writes
(the claim, the write-ahead intent, the fingerprint condition) are its only guard against a concurrent copy
of an event. One lock around moto's item reads and writes gives the same answers DynamoDB would
(tests/local/test_moto_atomic.py).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_PATCHED = "_exchange_linker_atomic"
_OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items", "get_item", "query", "scan")
_LOCK = threading.RLock()  # reentrant: a transaction's writes go through put_item/update_item/delete_item


def serialize_dynamodb_items() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _OPERATIONS:
        original = getattr(DynamoDBBackend, name)
        if not getattr(original, _PATCHED, False):
            setattr(DynamoDBBackend, name, _atomic(original))


def _atomic(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def atomic(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return operation(*args, **kwargs)

    setattr(atomic, _PATCHED, True)
    return atomic
