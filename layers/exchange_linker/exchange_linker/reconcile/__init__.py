"""Reconcile: compare what the results table says was created with what Dwolla lists, read-only.

Money moves on exchanges, so the two must agree: an exchange Dwolla lists that no CREATED item names is a
possible duplicate (a bank linked twice); a CREATED item whose exchange Dwolla no longer lists, or lists
as removed, is a customer who cannot pay. This package holds the comparison only; the listing comes
through a port (Dwolla's `GET /customers/{id}/exchanges` and `GET /exchanges`), wired by the composition
root, and the operator's `exchange-linker reconcile` command prints the result.
"""
