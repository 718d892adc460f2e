"""One Lambda-like process that times SQS batches: the real handler, or the ideal minimal consumer (the floor).

    python -m bench.probes.batch_worker handler|floor    (environment: the stack's, as the template declares it)

Protocol: one JSON Lambda SQS event per input line; one JSON line per answer on the original stdout, with
the batch's wall time and CPU time measured in this process (so the pipe does not count), the records it
reported failed, its peak RSS so far, and the bytes the handler wrote to its stdout (its JSON logs and
EMF metrics, which on Lambda go to CloudWatch Logs). fd 1 goes to BENCH_LOG_FILE (default /dev/null).

`handler` is `app.lambda_handler` from functions/link_completed, imported as Lambda does.
`floor` is the least a consumer of this design can do: 10 worker threads started once, a token fetched
once, and per record exactly one consistent GetItem, the exchange POST and one conditional UpdateItem of
the same item the handler writes, with boto3 and requests on pooled connections. No validation, no
logging, no metrics: what the real handler does beyond that is its overhead.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.probes.cold_start_probe import Context

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "link_completed"
WORKERS = 10
HAL_JSON = "application/vnd.dwolla.v1.hal+json"
NAMESPACE = uuid.UUID("9b0f7a4e-52c1-4c4e-9a57-3c1f2e6b8d21")  # any fixed namespace: keys only need to be stable
# The handler's own write: SET the result, REMOVE what a CREATED row must not show, never move off CREATED.
UPDATE = (
    "SET #status = :status, #attempts = :attempts, #updatedAt = :updatedAt, #partner = :partner,"
    " #customerId = :customerId, #exchangeUrl = :exchangeUrl, #exchangeId = :exchangeId,"
    " #keyGeneration = :keyGeneration REMOVE #errorCode, #errorMessage, #exchangeMayExist"
)
CONDITION = "attribute_not_exists(eventId) OR #status <> :created"
NAMES = [
    "status",
    "attempts",
    "updatedAt",
    "partner",
    "customerId",
    "exchangeUrl",
    "exchangeId",
    "keyGeneration",
    "errorCode",
    "errorMessage",
    "exchangeMayExist",
]

Handle = Callable[[dict[str, Any]], int]  # an SQS event in, the number of failed records out


class Floor:
    """The ideal minimal consumer: everything a record needs is ready before the first batch."""

    def __init__(self, environ: dict[str, str]) -> None:
        import boto3
        import requests
        from botocore.config import Config
        from requests.adapters import HTTPAdapter

        session = boto3.session.Session()
        config = Config(max_pool_connections=WORKERS, retries={"mode": "standard", "max_attempts": 3})
        self._dynamodb = session.client("dynamodb", config=config)
        self._table = environ["RESULTS_TABLE_NAME"]
        self._base = environ["DWOLLA_API_URL"].rstrip("/")
        self._http = requests.Session()
        self._http.mount("http://", HTTPAdapter(pool_maxsize=WORKERS, max_retries=0))
        self._http.mount("https://", HTTPAdapter(pool_maxsize=WORKERS, max_retries=0))
        secrets = session.client("secretsmanager")
        credentials = json.loads(
            secrets.get_secret_value(SecretId=environ["DWOLLA_CREDENTIALS_SECRET_ID"])["SecretString"]
        )
        answer = self._http.post(
            self._base + "/token",
            data={"grant_type": "client_credentials"},
            auth=(credentials["key"], credentials["secret"]),
            timeout=10,
        )
        answer.raise_for_status()
        self._auth = f"Bearer {answer.json()['access_token']}"
        listed = self._http.get(
            self._base + "/exchange-partners", headers={"Accept": HAL_JSON, "Authorization": self._auth}, timeout=10
        ).json()["_embedded"]["exchange-partners"]
        self._partners = {p["name"].casefold(): p["_links"]["self"]["href"] for p in listed}
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="floor")

    def __call__(self, event: dict[str, Any]) -> int:
        return sum(not ok for ok in self._pool.map(self._record, event["Records"]))

    def _record(self, record: dict[str, Any]) -> bool:
        body = json.loads(record["body"])
        event_id, customer = body["eventId"], body.get("customerId")
        key = {"eventId": {"S": event_id}}
        self._dynamodb.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        payload = {"_links": {"exchange-partner": {"href": self._partners[body["partner"].casefold()]}}}
        payload |= {name: body[name] for name in ("token", "plaid", "mx", "finicity") if name in body}
        path = f"/customers/{customer}/exchanges" if customer else "/exchanges"
        answer = self._http.post(
            self._base + path,
            data=json.dumps(payload),
            headers={
                "Accept": HAL_JSON,
                "Content-Type": HAL_JSON,
                "Authorization": self._auth,
                "Idempotency-Key": str(uuid.uuid5(NAMESPACE, f"{event_id}#0")),
            },
            timeout=10,
        )
        if answer.status_code != 201:
            return False
        location = answer.headers["Location"]
        values = {
            ":status": {"S": "CREATED"},
            ":attempts": {"N": "1"},
            ":updatedAt": {"S": datetime.now(UTC).isoformat(timespec="milliseconds")},
            ":partner": {"S": body["partner"]},
            ":customerId": {"S": customer or "-"},
            ":exchangeUrl": {"S": location},
            ":exchangeId": {"S": location.rsplit("/", 1)[-1]},
            ":keyGeneration": {"N": "0"},
            ":created": {"S": "CREATED"},
        }
        self._dynamodb.update_item(
            TableName=self._table,
            Key=key,
            UpdateExpression=UPDATE,
            ConditionExpression=CONDITION,
            ExpressionAttributeNames={f"#{name}": name for name in NAMES},
            ExpressionAttributeValues=values,
        )
        return True


def peak_rss_kb() -> int:
    """VmHWM of this process, from /proc (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def real_handler() -> Handle:
    sys.path.insert(0, str(FUNCTION_DIR))
    handler: Any = importlib.import_module("app").lambda_handler
    context = Context()

    def handle(event: dict[str, Any]) -> int:
        return len(handler(event, context).get("batchItemFailures", []))

    return handle


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    log = os.open(os.environ.get("BENCH_LOG_FILE", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    handle: Handle = Floor(dict(os.environ)) if sys.argv[1] == "floor" else real_handler()
    answers.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        event = json.loads(line)
        logged = os.fstat(1).st_size
        cpu, started = time.process_time(), time.perf_counter()
        failures = handle(event)
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
        sys.stdout.flush()
        answer = {
            "ms": elapsed * 1000,
            "cpu_ms": cpu_used * 1000,
            "failures": failures,
            "log_bytes": os.fstat(1).st_size - logged,
            "peak_rss_kb": peak_rss_kb(),
        }
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
