"""The contracts: what crosses the service's edges and outlives one invocation.

The inbound `link.completed` v1 event, the results-table item (`ExchangeResult`) with the store's port,
the dead-letter message with its reason attributes, and the outbound `Exchange Created`/`Exchange Failed`
event. Pure data and validation: imports nothing from the rest of the package but `errors`.
"""
