"""How the CLI reaches AWS: a short connect timeout and one retry, so a dead endpoint is one line in seconds.

boto3 finds the endpoint, region and credentials as it always does (flags, then AWS_* variables and
~/.aws); a running local stack's env file fills in when the shell points nowhere (see local_env).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from exchange_linker_cli.failures import is_loopback
from exchange_linker_cli.local_env import LocalStackFile, apply_env_file

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

    from exchange_linker.adapters.aws import AwsClients


def cli_config() -> Config:
    """Operators wait for the answer: fail fast, retry once (throttling included), never for 20 seconds."""
    from botocore.config import Config

    return Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 2})


REGION = click.option("--region", envvar="AWS_REGION", help="AWS region [env AWS_REGION, then AWS_DEFAULT_REGION].")
PROFILE = click.option("--profile", help="AWS profile from ~/.aws/config [env AWS_PROFILE].")


@dataclass
class Connection:
    region: str | None = None
    profile: str | None = None
    local: LocalStackFile | None = None
    given_clients: AwsClients | None = field(default=None, repr=False)  # tests hand in stubbed clients

    @property
    def endpoint(self) -> str | None:
        return os.environ.get("AWS_ENDPOINT_URL")

    @property
    def is_local(self) -> bool:
        """Pointed at a stack on this machine (moto server): some AWS features are missing there."""
        return is_loopback(self.endpoint)

    @cached_property
    def session(self) -> boto3.session.Session:
        import boto3

        # AWS_REGION again: the local stack's env file may have set it after the flags were read.
        region = self.region or os.environ.get("AWS_REGION") or None
        return boto3.session.Session(profile_name=self.profile, region_name=region)

    @cached_property
    def clients(self) -> AwsClients:
        from exchange_linker.adapters.aws import AwsClients

        return self.given_clients or AwsClients(self.session, config=cli_config())

    def client(self, service: str) -> Any:
        return self.session.client(service, config=cli_config())  # type: ignore[call-overload]


def connect(ctx: click.Context, *, region: str | None, profile: str | None) -> Connection:
    """The command's AWS connection (the local stack's env file applied first, when it applies)."""
    from exchange_linker.adapters.aws import AwsClients

    given = ctx.find_object(AwsClients)
    local = None if given is not None else apply_env_file(os.environ, profile=profile)
    if local is not None and sys.stderr.isatty():
        click.secho(f"using the local stack at {local.endpoint} ({local.path})", err=True, dim=True)
    return Connection(region=region, profile=profile, local=local, given_clients=given)
