"""The AWS fault proxy: boto3 must read its answers as the real services' errors, and pass the rest through."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from exchange_linker.adapters.aws import AwsClients, translated
from exchange_linker.errors import AwsError
from exchange_linker_tools.chaos.proxy import DYNAMODB_ACCESS_DENIED, AwsFaultProxy, AwsFaultRates, service_of

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def proxy(aws_endpoint: str):
    with AwsFaultProxy(aws_endpoint, seed=1) as started:
        yield started


def client(service: str, endpoint: str, config: Config = NO_RETRIES):
    return boto3.session.Session(region_name="us-east-1").client(service, endpoint_url=endpoint, config=config)


def test_passes_requests_through_when_calm(proxy: AwsFaultProxy) -> None:
    secrets = client("secretsmanager", proxy.url)
    secrets.create_secret(Name="calm-secret", SecretString="value")
    assert secrets.get_secret_value(SecretId="calm-secret")["SecretString"] == "value"
    assert proxy.counts() == {"secretsmanager:forwarded": 2}


@pytest.mark.parametrize(
    ("rates", "service", "code", "status"),
    [
        (AwsFaultRates(dynamodb_throttle=1.0), "dynamodb", "ProvisionedThroughputExceededException", 400),
        (AwsFaultRates(dynamodb_internal=1.0), "dynamodb", "InternalServerError", 500),
        (AwsFaultRates(secrets_throttle=1.0), "secretsmanager", "ThrottlingException", 400),
        (AwsFaultRates(secrets_internal=1.0), "secretsmanager", "InternalServiceError", 500),
        (AwsFaultRates(events_internal=1.0), "events", "InternalException", 500),
    ],
)
def test_answers_aws_shaped_errors_boto3_understands(proxy, rates, service, code, status) -> None:
    proxy.rates = rates
    aws = client(service, proxy.url)
    if service == "dynamodb":
        call = lambda: aws.get_item(TableName="any", Key={"eventId": {"S": "x"}})  # noqa: E731
    elif service == "events":
        call = lambda: aws.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}])  # noqa: E731
    else:
        call = lambda: aws.get_secret_value(SecretId="any")  # noqa: E731
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert proxy.injected() == {f"{service}:{code}": 1}


def test_faults_one_service_only(proxy: AwsFaultProxy) -> None:
    proxy.rates = AwsFaultRates(dynamodb_throttle=1.0)
    secrets = client("secretsmanager", proxy.url)
    secrets.create_secret(Name="other-service", SecretString="v")
    assert secrets.get_secret_value(SecretId="other-service")["SecretString"] == "v"


def test_the_consumer_sees_throttling_only_after_the_sdk_retries(proxy, monkeypatch) -> None:
    """Through boto3's per-service endpoint variable, exactly as the chaos workers are wired."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
    proxy.rates = AwsFaultRates(dynamodb_throttle=1.0)
    clients = AwsClients()
    with pytest.raises(AwsError) as caught, translated("dynamodb"):
        clients.dynamodb.get_item(TableName="any", Key={"eventId": {"S": "x"}})
    assert caught.value.code == "ProvisionedThroughputExceededException"
    assert caught.value.permanent is False
    # CLIENT_CONFIG's max_attempts=3 counts retries: botocore makes 4 attempts in all.
    assert proxy.injected() == {"dynamodb:ProvisionedThroughputExceededException": 4}
    clients.sqs.list_queues()  # SQS still goes straight to moto
    assert "other:forwarded" not in proxy.counts()


def test_refuses_one_operation_and_passes_the_others(proxy) -> None:
    """A table that can be read but not written: a role that lost dynamodb:UpdateItem."""
    proxy.refuse("DynamoDB_20120810.UpdateItem", DYNAMODB_ACCESS_DENIED)
    dynamodb = client("dynamodb", proxy.url)
    dynamodb.create_table(
        TableName="refusing",
        KeySchema=[{"AttributeName": "eventId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "eventId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "Item" not in dynamodb.get_item(TableName="refusing", Key={"eventId": {"S": "x"}})
    write = {
        "TableName": "refusing",
        "Key": {"eventId": {"S": "x"}},
        "UpdateExpression": "SET #s = :s",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":s": {"S": "CREATED"}},
    }
    with pytest.raises(ClientError) as caught:
        dynamodb.update_item(**write)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    proxy.refuse("DynamoDB_20120810.UpdateItem", None)
    dynamodb.update_item(**write)
    assert proxy.injected() == {"dynamodb:AccessDeniedException": 1}


def test_seeded_decisions_repeat(aws_endpoint: str) -> None:
    def decisions(seed: int) -> list[str | None]:
        with AwsFaultProxy(aws_endpoint, seed=seed, rates=AwsFaultRates(dynamodb_throttle=0.5)) as proxy:
            return [getattr(proxy.decide("dynamodb"), "code", None) for _ in range(50)]

    assert decisions(3) == decisions(3)
    assert decisions(3) != decisions(4)


def test_identifies_the_service_by_target() -> None:
    assert service_of("DynamoDB_20120810.UpdateItem") == "dynamodb"
    assert service_of("secretsmanager.GetSecretValue") == "secretsmanager"
    assert service_of("AWSEvents.PutEvents") == "events"
    assert service_of("AmazonSQS.SendMessage") is None
    assert service_of(None) is None


def test_refuses_rates_that_cannot_be_honoured() -> None:
    with pytest.raises(ValueError, match="sum"):
        AwsFaultRates(dynamodb_throttle=0.7, dynamodb_internal=0.7)
    with pytest.raises(ValueError, match="within"):
        AwsFaultRates(secrets_throttle=1.5)


def test_refuses_anything_but_loopback(aws_endpoint: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        AwsFaultProxy("http://10.0.0.1:5000", seed=1)
    with pytest.raises(ValueError, match="loopback"):
        AwsFaultProxy(aws_endpoint, seed=1, host="0.0.0.0")


def test_secrets_manager_errors_keep_their_aws_code(aws_endpoint: str) -> None:
    from exchange_linker.adapters.secrets_manager import Secrets, TokenSecret

    secrets = Secrets(AwsClients())
    with pytest.raises(AwsError) as caught:
        secrets.read("chaos-no-such-secret")
    assert caught.value.code == "ResourceNotFoundException"
    assert TokenSecret(secrets, "chaos-no-such-secret").load(fresh=True) is None  # "no token", as documented


def test_adds_no_nagle_delay_to_an_answer(proxy: AwsFaultProxy, aws_endpoint: str) -> None:
    """Headers and body went out in two writes: with Nagle on, the body waited for the client's delayed
    ACK (40 ms on Linux), so every DynamoDB call of a chaos run, and every PutEvents, took 40 ms more."""
    import statistics
    import time

    def median_ms(endpoint: str) -> float:
        secrets = client("secretsmanager", endpoint)
        times = []
        for _ in range(15):
            started = time.perf_counter()
            secrets.get_secret_value(SecretId="nagle-probe")
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    client("secretsmanager", aws_endpoint).create_secret(Name="nagle-probe", SecretString="value")
    direct, proxied = median_ms(aws_endpoint), median_ms(proxy.url)
    assert proxied - direct < 20, f"direct {direct:.1f} ms, through the proxy {proxied:.1f} ms"


def test_holds_a_slow_service_then_forwards(proxy: AwsFaultProxy) -> None:
    """A slow DynamoDB: requests wait, then reach moto (a client that gave up may still see its write land)."""
    import time

    secrets = client("secretsmanager", proxy.url)
    secrets.create_secret(Name="held-secret", SecretString="value")
    proxy.hold("secretsmanager", 0.6)
    started = time.monotonic()
    assert secrets.get_secret_value(SecretId="held-secret")["SecretString"] == "value"
    assert time.monotonic() - started >= 0.6
    proxy.hold("secretsmanager", None)
    started = time.monotonic()
    secrets.get_secret_value(SecretId="held-secret")
    assert time.monotonic() - started < 0.6
    assert proxy.injected() == {"secretsmanager:held": 1}
