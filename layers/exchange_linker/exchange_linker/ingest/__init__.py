"""Ingest: one SQS message in, exactly one terminal place out (CREATED in the table, or the DLQ with its reason).

`processor` decides what one record becomes, `batch` runs a Lambda batch of them concurrently with partial
batch responses, `backoff` spaces out retries, `deferral` hands back the records Dwolla never saw. Talks to
the world only through the contracts' ports.
"""
