"""The Dwolla client: the exact request, tokens, partner lookups, pacing (AIMD limiter), error classification.

`exchanges.ExchangeService` is what the ingest side calls; the HTTP itself sits behind the `DwollaApi`
port and lives in `adapters.dwolla_http`, so nothing here imports requests.
"""
