"""Benchmarks for exchange-linker: `python -m bench` (see bench/README.md)."""
