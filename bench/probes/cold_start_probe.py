"""Run by path in a fresh interpreter, cwd = functions/link_completed, as Lambda would import the handler.

    python cold_start_probe.py baseline|app RESULT.json [EVENTS.json]

Only time and sys are imported before the measured import; the result goes to RESULT.json.
"""

import importlib
import os
import sys
import time


class Context:
    function_name = "LinkCompletedFunction"
    memory_limit_in_mb = 256
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:LinkCompletedFunction"
    aws_request_id = "bench-cold-start"
    log_group_name = "/aws/lambda/LinkCompletedFunction"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def main() -> None:
    mode, out = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.getcwd())  # Lambda puts the function's directory on sys.path
    result = {}
    started = time.perf_counter()
    if mode == "baseline":
        import boto3  # noqa: F401
        import requests  # noqa: F401

        result["import_s"] = time.perf_counter() - started
    else:
        app = importlib.import_module("app")
        result["import_s"] = time.perf_counter() - started
        sys.stderr.write("bench-mark: consumer\n")
        sys.stderr.flush()
        started = time.perf_counter()
        app.consumer()
        result["consumer_s"] = time.perf_counter() - started
        sys.stderr.write("bench-mark: end\n")
        sys.stderr.flush()
        if len(sys.argv) > 3:
            import json

            with open(sys.argv[3], encoding="utf-8") as handle:
                events = json.load(handle)
            for name, event in zip(("first_invoke_s", "warm_invoke_s"), events, strict=True):
                started = time.perf_counter()
                response = app.lambda_handler(event, Context())
                result[name] = time.perf_counter() - started
                if response.get("batchItemFailures"):
                    raise SystemExit(f"the {name} batch failed: {response}")
    import json

    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
