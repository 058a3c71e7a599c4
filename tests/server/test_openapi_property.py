"""The phone API as /openapi.json describes it, fuzzed by schemathesis with all its checks
against the real server on loopback (every status it answers, the error shape, the sync body).

Failure limits are raised for this run (the fuzzer sends wrong codes and tokens on purpose);
tests/security/test_limits.py tests the real limits.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.doors import DoorRules, Doors
from tests.security.pushes import office_app
from tests.support.live import serve


def test_the_api_keeps_every_promise_of_its_openapi_document(tmp_path: Path) -> None:
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.fail("schemathesis is missing: it is in the test extras (make venv)")
    office = office_app(f"sqlite:///{tmp_path / 'server.sqlite'}", tmp_path)
    unlimited = DoorRules(free=1_000_000)
    office.app.state.guard.tokens = Doors(office.engine, "phone_token", unlimited)
    office.app.state.guard.enrolments = Doors(office.engine, "enrolment", unlimited)
    token = office.token()
    with serve(office.app) as url:
        run = subprocess.run(  # noqa: S603 - our own venv's tool, fixed arguments
            [st, "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", "30",
             "--workers", "1", "--phases", "examples,coverage,fuzzing",
             "--generation-database", "none", "--no-color", "--request-timeout", "30",
             "--max-time", "40", "-H", f"Authorization: Bearer {token}"],
            capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path)
    office.engine.dispose()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
