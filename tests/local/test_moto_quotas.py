"""The local SQS refuses what SQS refuses: body + attribute names, types and values over the limit, or 11
attributes. moto alone counts only the body's characters, so a DLQ write SQS would refuse succeeded here."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

LIMIT = 4096


@pytest.fixture
def queue(stack):
    url = stack.sqs.create_queue(QueueName="quota-probe", Attributes={"MaximumMessageSize": str(LIMIT)})["QueueUrl"]
    yield url
    stack.sqs.delete_queue(QueueUrl=url)


def strings(**values: str) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


def refused(stack, queue, body: str, attributes=None) -> str:
    with pytest.raises(ClientError) as caught:
        stack.sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes=attributes or {})
    assert caught.value.response["Error"]["Code"] in {"InvalidParameterValue", "InvalidParameterValueException"}
    return str(caught.value)


def test_a_body_at_the_limit_is_accepted_one_byte_more_is_not(stack, queue):
    stack.sqs.send_message(QueueUrl=queue, MessageBody="x" * LIMIT)
    assert "shorter than 4096 bytes" in refused(stack, queue, "x" * (LIMIT + 1))


def test_utf8_bytes_count_not_characters(stack, queue):
    refused(stack, queue, "é" * (LIMIT // 2 + 1))  # 2 bytes each


def test_attribute_names_types_and_values_count(stack, queue):
    # "a" (1) + "String" (6) + value (9) = 16 bytes of attribute
    stack.sqs.send_message(QueueUrl=queue, MessageBody="x" * (LIMIT - 16), MessageAttributes=strings(a="v" * 9))
    refused(stack, queue, "x" * (LIMIT - 15), strings(a="v" * 9))
    binary = {"b": {"DataType": "Binary", "BinaryValue": b"\0" * 10}}  # 1 + 6 + 10
    stack.sqs.send_message(QueueUrl=queue, MessageBody="x" * (LIMIT - 17), MessageAttributes=binary)
    refused(stack, queue, "x" * (LIMIT - 16), binary)


def test_ten_attributes_at_most(stack, queue):
    ten, eleven = (strings(**{f"a{i}": "v" for i in range(count)}) for count in (10, 11))
    stack.sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=ten)
    assert "[11] exceeds the allowed maximum [10]" in refused(stack, queue, "x", eleven)
    entries = [{"Id": "e", "MessageBody": "x", "MessageAttributes": eleven}]
    with pytest.raises(ClientError):
        stack.sqs.send_message_batch(QueueUrl=queue, Entries=entries)
