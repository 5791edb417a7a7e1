"""Benchmarks (`python -m bench.updates`): the product measured against the loopback simulator."""
