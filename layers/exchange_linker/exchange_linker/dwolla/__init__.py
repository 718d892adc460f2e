"""The Dwolla client: building the exact request, tokens, partner lookups and the classification of errors.

`exchanges.ExchangeService` is what the ingest side calls; the HTTP itself sits behind the `DwollaApi`
port and lives in `adapters.dwolla_http`, so nothing here imports requests.
"""
