"""Every metric an alarm or the dashboard watches is one the code emits, with the same dimensions."""

from __future__ import annotations

import json
import re

import pytest

from exchange_linker.observability import NAMESPACE, SERVICE, Metric
from exchange_linker_tools.local_run import PUBLISHER_PATH, load_handler
from exchange_linker_tools.outcome_bus import OutcomeSubscriber
from exchange_linker_tools.template import load_template
from tests.conftest import link_event
from tests.integration.reconcile.test_reconcile_lambda import SCHEDULED_EVENT, load_reconcile_handler
from tests.integration.reconcile.test_reconcile_lambda import context as reconcile_context
from tests.replay.test_replay_lambda import context as replay_context
from tests.replay.test_replay_lambda import load_handler as load_replay_handler

pytestmark = pytest.mark.integration
MetricKey = tuple[str, frozenset[tuple[str, str]]]  # (name, {(dimension, value)})


def watched_by_template() -> set[MetricKey]:
    """ExchangeLinker metrics in alarms (plain and metric math) and in the dashboard body."""
    resources = load_template()["Resources"]
    watched: set[MetricKey] = set()
    for resource in resources.values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        properties = resource["Properties"]
        stats = [properties] + [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
        for stat in stats:
            if stat.get("Namespace") == NAMESPACE:
                dimensions = frozenset((d["Name"], d["Value"]) for d in stat.get("Dimensions", []))
                watched.add((stat["MetricName"], dimensions))
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    for widget in dashboard["widgets"]:
        for line in widget["properties"].get("metrics", []):
            if isinstance(line[0], dict):  # a SEARCH over the per-error-code metric
                expression = line[0]["expression"]
                name = re.search(r'MetricName=\\?"(\w+)\\?"', expression).group(1)
                assert f"{{{NAMESPACE},service,ErrorCode}}" in expression
                watched.add((name, frozenset({("service", SERVICE), ("ErrorCode", "*")})))
            elif line[0] == NAMESPACE:
                values = [item for item in line[2:] if isinstance(item, str)]
                watched.add((line[1], frozenset(zip(values[::2], values[1::2], strict=True))))
    return watched


def emitted(output: str) -> set[MetricKey]:
    """(name, dimensions) of every EMF document Powertools printed."""
    found: set[MetricKey] = set()
    for line in output.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == NAMESPACE
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, str(document[name])) for name in dimension_set)
                for metric in directive["Metrics"]:
                    found.add((metric["Name"], dimensions))
    return found


def matches(watched: MetricKey, emitted_keys: set[MetricKey]) -> bool:
    name, dimensions = watched
    wildcard = {key for key, value in dimensions if value == "*"}
    for other_name, other_dimensions in emitted_keys:
        if other_name != name or {key for key, _ in other_dimensions} != {key for key, _ in dimensions}:
            continue
        if all((key, value) in other_dimensions for key, value in dimensions if key not in wildcard):
            return True
    return False


def test_template_watches_only_known_metrics():
    watched = watched_by_template()
    assert len(watched) >= 10
    assert {name for name, _ in watched} <= {metric.value for metric in Metric}


def test_every_watched_metric_is_emitted_with_the_same_dimensions(bus_stack, capfd, monkeypatch):
    stack = bus_stack
    environment = {**stack.environment(), "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    handler = load_handler(environment)
    outcomes = stack.stream_source(
        load_handler({**stack.outcome_environment(), "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}, PUBLISHER_PATH)
    )
    created = link_event()
    for event in (created, link_event(token="server-error-x")):
        stack.publish(event)  # created, a 5xx
    stack.event_source(handler).drain()
    outcomes.poll_once()  # the outcome bus does not exist yet: unsent, retried from the stream
    OutcomeSubscriber.attach(stack)
    outcomes.drain()  # now published
    stack.publish(created)  # a duplicate publish, after the first one was recorded
    stack.event_source(handler).drain()
    stack.emulator.set_scope_enabled(False)
    stack.emulator.expire_all_tokens()
    stack.publish(link_event())  # the token is refused once, then InvalidScope
    stack.event_source(handler).drain()
    stack.emulator.set_scope_enabled(True)
    # A new container while the client secret is wrong and no token is shared: Dwolla refuses the client.
    secrets, credentials_id = stack.secretsmanager, stack.resources.credentials_secret_id
    right = secrets.get_secret_value(SecretId=credentials_id)["SecretString"]
    secrets.put_secret_value(SecretId=credentials_id, SecretString=json.dumps({"key": "k", "secret": "wrong"}))
    secrets.put_secret_value(SecretId=stack.resources.token_secret_id, SecretString="{}")
    stack.publish(link_event())
    stack.event_source(load_handler(environment)).poll_once()
    secrets.put_secret_value(SecretId=credentials_id, SecretString=right)
    # Always 429: the container slows down and hands the record back (once: it would come back forever).
    stack.publish(link_event(token="rate-limited-x"))
    stack.event_source(handler).poll_once()
    outcomes.drain()
    # The replay Lambda moves the InvalidScope message back.
    replay = load_replay_handler(stack.resources.outputs(), monkeypatch)
    replay({"errorCodes": ["InvalidScope"], "dryRun": False}, replay_context())
    # The scheduled reconciliation counts its disagreements (0 here, emitted all the same).
    load_reconcile_handler(stack, monkeypatch)(SCHEDULED_EVENT, reconcile_context())
    output = capfd.readouterr().out
    emitted_keys = emitted(output)
    missing = sorted(
        (name, sorted(dims)) for name, dims in watched_by_template() if not matches((name, dims), emitted_keys)
    )
    assert missing == [], f"watched but never emitted: {missing}"


def test_a_watched_metric_that_is_not_emitted_is_caught():
    emitted_keys: set[MetricKey] = {("EventsReceived", frozenset({("service", SERVICE)}))}
    assert matches(("EventsReceived", frozenset({("service", SERVICE)})), emitted_keys)
    assert not matches(("EventsReceived", frozenset({("service", "other")})), emitted_keys)
    assert not matches(("ExchangeErrors", frozenset({("service", SERVICE), ("ErrorCode", "*")})), emitted_keys)
