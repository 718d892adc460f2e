"""Turns link.completed events into Dwolla exchanges."""
