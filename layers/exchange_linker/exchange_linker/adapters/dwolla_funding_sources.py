"""Reading Dwolla's answer to a funding-source POST (issue 14): a 201, or a DuplicateResource that is success.

A 400 `DuplicateResource` whose `_links.about` names a funding source on the configured host means the
exchange already has that funding source (a lost answer, a key Dwolla forgot): it is recorded as made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from exchange_linker.adapters.dwolla_answers import error_from, json_body, request_id
from exchange_linker.dwolla.classification import DUPLICATE_RESOURCE
from exchange_linker.dwolla.funding_sources import CreatedFundingSource
from exchange_linker.errors import DwollaError


def funding_source_from(
    response: requests.Response, source_id: Callable[[str], str | None], base_url: str
) -> CreatedFundingSource:
    """The funding source the answer names; DwollaError otherwise. `source_id` accepts only our host's URLs."""
    existing = response.status_code == 400 and json_body(response).get("code") == DUPLICATE_RESOURCE
    if response.status_code != 201 and not existing:
        raise error_from(response)
    location = _about(json_body(response)) if existing else response.headers.get("Location", "")
    found = source_id(location)
    if found is None:
        where = "_links.about" if existing else "Location"
        raise DwollaError(
            DUPLICATE_RESOURCE if existing else "UnexpectedLocation",
            f"Dwolla answered {response.status_code} without a funding-source {where} on the configured host",
            permanent=existing,  # a duplicate we cannot name needs a person; a bad 201 is asked again
            status=response.status_code,
            request_id=request_id(response),
        )
    url = f"{base_url}/funding-sources/{found}"  # stored in the canonical spelling
    return CreatedFundingSource(url, found, request_id(response), existing=existing)


def _about(body: dict[str, Any]) -> str:
    links = body.get("_links")
    about = links.get("about") if isinstance(links, dict) else None
    href = about.get("href") if isinstance(about, dict) else None
    return href if isinstance(href, str) else ""
