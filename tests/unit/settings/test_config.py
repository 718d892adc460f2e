import pytest

from exchange_linker.errors import ConfigurationError
from exchange_linker.settings import Settings

BASE = {
    "DWOLLA_CREDENTIALS_SECRET_ID": "creds",
    "DWOLLA_TOKEN_SECRET_ID": "token",
    "FINGERPRINT_KEY_SECRET_ID": "fingerprint-key",
    "RESULTS_TABLE_NAME": "results",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/dlq",
    "MAX_RECEIVE_COUNT": "5",
}


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "https://api-sandbox.dwolla.com"),
        ({"DWOLLA_ENVIRONMENT": "production"}, "https://api.dwolla.com"),
        ({"DWOLLA_ENVIRONMENT": "Sandbox"}, "https://api-sandbox.dwolla.com"),
        ({"DWOLLA_API_URL": ""}, "https://api-sandbox.dwolla.com"),
        ({"DWOLLA_API_URL": "https://dwolla.internal.example:8443/"}, "https://dwolla.internal.example:8443"),
        ({"DWOLLA_API_URL": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"),
        ({"DWOLLA_API_URL": "http://localhost:9"}, "http://localhost:9"),
        ({"DWOLLA_API_URL": "http://[::1]:9"}, "http://[::1]:9"),
    ],
)
def test_base_url(environ, url):
    assert Settings.from_environ(BASE | environ).dwolla_base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.dwolla.com",
        "http://10.0.0.1:80",
        "ftp://127.0.0.1",
        "api.dwolla.com",
        "https://user:pw@api.dwolla.com",
        "https://api.dwolla.com/v2",
        "https://api.dwolla.com?x=1",
        "https://api.dwolla.com:notaport",
        "http://127.0.0.1.evil.example",
    ],
)
def test_refuses_unsafe_base_urls(url):
    with pytest.raises(ConfigurationError):
        Settings.from_environ(BASE | {"DWOLLA_API_URL": url})


def test_unknown_environment():
    with pytest.raises(ConfigurationError):
        Settings.from_environ(BASE | {"DWOLLA_ENVIRONMENT": "staging"})


def test_settings_from_environ():
    settings = Settings.from_environ(BASE)
    assert settings.max_receive_count == 5
    assert settings.dwolla_base_url == "https://api-sandbox.dwolla.com"


@pytest.mark.parametrize(
    "change",
    [
        {"RESULTS_TABLE_NAME": ""},
        {"MAX_RECEIVE_COUNT": "0"},
        {"MAX_RECEIVE_COUNT": "five"},
        {"DWOLLA_READ_TIMEOUT": "-1"},
    ],
)
def test_settings_refuse_bad_values(change):
    with pytest.raises(ConfigurationError):
        Settings.from_environ(BASE | change)
