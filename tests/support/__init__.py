"""Test support: throwaway PostgreSQL (pg), helper processes (procs), Flet-in-Chromium (browser).

Import as ``from tests.support import pg, procs, browser`` (tests/conftest.py puts the repo root
on sys.path).
"""
