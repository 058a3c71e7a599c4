"""Benchmarks of the field app (not part of the test suite): `python -m bench [name ...]`.

See bench/common.py for what a benchmark module provides and docs/benchmarks.md for the figures.
"""
