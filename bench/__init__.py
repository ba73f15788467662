"""Benchmarks: each prints its figures and ratios (run with .venv/bin/python -m bench.NAME)."""
