"""Start, wait for and stop helper processes (the real server, Flet web apps) on loopback.

Typical use::

    port = free_port()
    proc = start_python(["-m", "server", "--port", str(port)], env={"X": "1"})
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=proc)
        ...
    finally:
        stop(proc)

Output of a started process goes to a temporary log file (never a pipe, so a chatty process cannot
block on a full pipe buffer); ``wait_http`` and ``stop`` include its tail in their errors.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TypedDict, Unpack

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


class ProcessError(RuntimeError):
    """A helper process died or never answered."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process: ours without DISPLAY, repo on PYTHONPATH, + extra."""
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("FLET_WEB_NO_CDN", "1")  # never fetch the Flutter runtime from a CDN
    env.setdefault("FLET_FORCE_WEB_SERVER", "1")  # serve web, never open a browser/desktop
    pythonpath = [str(REPO_ROOT)]
    if env.get("PYTHONPATH"):
        pythonpath.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    if extra:
        env.update(extra)
    return env


def start_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own process group with its output captured to a temp log file.

    ``env`` is added to :func:`child_env` (it does not replace the whole environment).
    """
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
        prefix="fieldapp-proc-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(  # noqa: S603 - argv comes from the tests themselves
        list(argv),
        env=child_env(env),
        cwd=str(cwd) if cwd is not None else str(REPO_ROOT),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log_path = log.name  # type: ignore[attr-defined]
    log.close()
    return proc


class StartOptions(TypedDict, total=False):
    """:func:`start_process`'s keyword options, for the functions that pass them on."""

    env: Mapping[str, str] | None
    cwd: str | os.PathLike[str] | None


def start_python(args: Sequence[str], **options: Unpack[StartOptions]) -> subprocess.Popen[bytes]:
    """Start ``sys.executable -u *args`` (e.g. ``["-m", "server", ...]`` or a script path)."""
    return start_process([sys.executable, "-u", *args], **options)


def output_tail(proc: subprocess.Popen[bytes], lines: int = 40) -> str:
    """The last ``lines`` lines the process wrote to stdout/stderr."""
    path = getattr(proc, "log_path", None)
    if not path or not os.path.exists(path):
        return "(no output captured)"
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 64 * 1024))
        text = f.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def wait_http(
    url: str,
    *,
    proc: subprocess.Popen[bytes] | None = None,
    timeout: float = 60.0,
    interval: float = 0.1,
    ok_statuses: Sequence[int] = (200,),
) -> httpx.Response:
    """Poll ``url`` until it answers with one of ``ok_statuses``.

    Raises :class:`ProcessError` with the process's output tail if ``proc`` exits first or the
    deadline passes.
    """
    deadline = time.monotonic() + timeout
    last: str = "no attempt"
    with httpx.Client(timeout=5.0, trust_env=False) as client:
        while True:
            if proc is not None and proc.poll() is not None:
                raise ProcessError(
                    f"process {proc.args!r} exited with {proc.returncode} before {url} answered."
                    f"\n--- output tail ---\n{output_tail(proc)}"
                )
            try:
                resp = client.get(url)
                if resp.status_code in ok_statuses:
                    return resp
                last = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                tail = output_tail(proc) if proc is not None else "(no process given)"
                raise ProcessError(
                    f"{url} did not answer within {timeout:.0f}s (last: {last})."
                    f"\n--- output tail ---\n{tail}"
                )
            time.sleep(interval)


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int | None:
    """Terminate the process (its whole group), wait, then kill if needed. Returns exit code."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    else:
        # The leader is gone; make sure nothing it started lingers in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    path = getattr(proc, "log_path", None)
    if path and os.environ.get("FIELDAPP_KEEP_PROC_LOGS") != "1":
        with contextlib.suppress(OSError):
            os.unlink(path)
    return proc.returncode


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    *,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``argv`` (a full argv; use ``[sys.executable, ...]`` for Python), wait for ``url``
    if given, yield the process, and stop it afterwards."""
    proc = start_process(argv, env=env, cwd=cwd)
    try:
        if url is not None:
            wait_http(url, proc=proc, timeout=timeout)
        yield proc
    finally:
        stop(proc)


def python_argv(*args: str) -> list[str]:
    """``[sys.executable, "-u", *args]`` for :func:`running`."""
    return [sys.executable, "-u", *args]
