"""`fieldapp-server settings`: an agency shows and changes its timings and switches from the
command line (DOMAIN.md's defaults until changed); a wrong value is named and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from server import agency_settings
from server.cli import main as cli
from server.schema import tenants
from server.storage import make_engine


@pytest.fixture
def office(tmp_path: Path) -> tuple[str, ...]:
    url, key = f"sqlite:///{tmp_path / 'office.sqlite'}", str(tmp_path / "escrow.key")
    where = ("--database-url", url, "--key-file", key)
    assert cli(["init", "--name", "Riverside", *where]) == 0
    return where


def stored(where: tuple[str, ...]) -> tuple[agency_settings.AgencyTimings, bool]:
    engine = make_engine(where[1])
    try:
        with engine.begin() as conn:
            tenant = conn.execute(select(tenants.c.id)).scalar_one()
            return (agency_settings.timings(conn, tenant),
                    agency_settings.handover_to_next_worker(conn, tenant))
    finally:
        engine.dispose()


def test_with_no_options_it_shows_the_defaults(
        office: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli(["settings", *office]) == 0
    out = capsys.readouterr().out
    assert "lone-grace" in out and "10m" in out  # DOMAIN.md: amber 10 minutes past the end
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert lines == {"urgent-ack": "15m", "emergency-ack": "5m", "lone-grace": "10m",
                     "lone-amber-to-red": "10m", "lone-tier-ack": "2m", "stale-sync": "1h",
                     "handover-to-next-worker": "on"}


def test_short_timings_and_the_handover_switch_are_stored(
        office: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["settings", "--lone-grace", "30s", "--lone-amber-to-red", "45s",
                "--urgent-ack", "20", "--stale-sync", "2h",
                "--handover-to-next-worker", "off", *office]) == 0
    timings, to_next = stored(office)
    assert (timings.lone_grace_s, timings.lone_amber_to_red_s) == (30, 45)
    assert timings.urgent_ack_s == 20 * 60  # a bare number is minutes
    assert timings.sync_stale_s == 2 * 3600
    assert timings.emergency_ack_s == 5 * 60  # untouched keeps its value
    assert to_next is False
    out = capsys.readouterr().out
    assert "30s" in out and "45s" in out and " off " in out


@pytest.mark.parametrize(("option", "value", "named"), [
    ("--lone-grace", "ten minutes", "--lone-grace must be a duration"),
    ("--lone-grace", "0s", "lone_grace_s must be a whole number of seconds from 1"),
    ("--emergency-ack", "25h", "emergency_ack_s must be a whole number of seconds from 1"),
])
def test_a_wrong_value_is_named_and_nothing_changes(
        office: tuple[str, ...], capsys: pytest.CaptureFixture[str],
        option: str, value: str, named: str) -> None:
    before = stored(office)
    assert cli(["settings", "--lone-amber-to-red", "1m", option, value, *office]) == 2
    assert named in capsys.readouterr().err
    assert stored(office) == before
