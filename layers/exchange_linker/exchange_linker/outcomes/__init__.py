"""Outcomes: the results table's stream, turned into `Exchange Created` / `Exchange Failed` events on the bus.

This is the outbox: the consumer only writes the table, and every row that becomes CREATED or FAILED
reaches the bus through the table's DynamoDB stream, retried by Lambda until PutEvents succeeds (or, after
the bounded retries, handed to the on-failure queue). So a PutEvents outage or a container killed right
after the write loses no outcome event; a repeat carries the same `outcomeId`. `transition` decides which
stream records are outcomes, `stream` publishes a Lambda batch of them with partial batch responses.
"""
