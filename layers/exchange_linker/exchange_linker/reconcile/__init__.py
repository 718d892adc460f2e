"""Reconcile: compare what the results table says was created with what Dwolla lists, read-only.

Money moves on exchanges, so the two must agree: an exchange Dwolla lists that no CREATED item names is a
possible duplicate (a bank linked twice); a CREATED item whose exchange Dwolla no longer lists, or lists
as removed, is a customer who cannot pay. `compare` is the pure comparison, `scope` says which owners are
judged, `service` reads the table through a port and Dwolla's lists (`GET /customers/{id}/exchanges`,
`GET /exchanges`) through ExchangeService, `report` is the answer. The composition root wires it for the
operator's `exchange-linker reconcile` and for the scheduled ReconcileFunction.
"""
