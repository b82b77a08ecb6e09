"""Benchmarks: each module here runs on its own (`python -m bench.<name>`), prints a table and writes
JSON to bench/results/. `python -m bench` runs them all."""
