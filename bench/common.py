"""Shared pieces of the benchmark suite: figures and targets, timing, results files, the doc.

Every benchmark module `bench/bench_<name>.py` defines:

- `TITLE` (a heading), `ABOUT` (a Markdown paragraph: what is measured and how),
- `FIGURES`: the `Figure`s its results hold, each with the target it is judged against,
- `run(quick: bool = False) -> dict`: measure and return the figures (keys as the issues name
  them; nested dicts for per-backend figures, e.g. ``{"sqlite": {"morning_p99_ms": …}}``),
- optionally `notes(results) -> list[str]`: plain-English remarks for the doc.

`python -m bench` writes `bench/results/<name>.json` and regenerates `docs/benchmarks.md`
from every results file, so figures of benchmarks not run this time stay in the doc.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Figure:
    """One number in a results file and the target it is judged against."""

    key: str  # dotted path into the results dict, e.g. "sqlite.morning_p99_ms"
    label: str
    target: str = "—"  # human-readable target, e.g. "< 50 ms"
    met: Callable[[Any], bool] | None = None  # None: informational, no target

    def value(self, results: dict[str, Any]) -> Any:
        node: Any = results
        for part in self.key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def verdict(self, results: dict[str, Any]) -> str:
        value = self.value(results)
        if self.met is None or value is None:
            return "—"
        return "yes" if self.met(value) else "**no**"


# --- timing -----------------------------------------------------------------------------------
def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty sample")
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def time_ms(fn: Callable[[], Any], repeat: int, warmup: int = 0) -> list[float]:
    """Milliseconds of `repeat` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000.0)
    return out


def rnd(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


# --- the machine ------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Other work on the machine skews every figure: the load average says how busy it was.
        "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- results files ----------------------------------------------------------------------------
def results_path(name: str, quick: bool = False) -> Path:
    """Quick (smoke-test) results go to bench/results/quick/, never over the real figures."""
    return (RESULTS_DIR / "quick" if quick else RESULTS_DIR) / f"{name}.json"


def read_results(name: str) -> dict[str, Any] | None:
    try:
        data = json.loads(results_path(name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_results(name: str, results: dict[str, Any], *, quick: bool,
                  started_on: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write `bench/results/<name>.json`: the figures plus how and where they were measured
    (`started_on`: `machine()` taken when the benchmark started)."""
    data = dict(results)
    data["_run"] = {"command": command(name, quick), "quick": quick,
                    "machine": started_on or machine()}
    path = results_path(name, quick)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return data


def command(name: str, quick: bool = False) -> str:
    return f"python -m bench {name}" + (" --quick" if quick else "")


# --- the document -----------------------------------------------------------------------------
INTRO = """\
# Benchmarks

Generated by `python -m bench` (or `make bench`) from `bench/results/*.json`; do not edit by
hand. Each section lists the figures of one benchmark module (`bench/bench_<name>.py`), the
target it is judged against, and the exact command that produced them; a benchmark not run
this time keeps its previous figures (and the machine and date they were measured on).
Tests never assert wall-clock times; these figures are the only place speed is judged.
The machines these run on are shared with other work: every run records the 1-minute load
average when it started, and the benchmarks that are sensitive to it take the best of several
rounds (and say so), since other work only ever makes a round slower.
Run one benchmark with `python -m bench <name>`. `python -m bench --quick` runs a much smaller
version of each (a smoke test, about half a minute) and writes to `bench/results/quick/` only,
never to this document.
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"`{json.dumps(value)}`" if isinstance(value, dict | list) else str(value)


def _machine_line(m: dict[str, Any], measured: bool = True) -> str:
    line = (f"{m.get('cpu')}, nproc {m.get('nproc')}, Python {m.get('python')}, "
            f"{m.get('platform')}")
    if not measured:
        return f"{line}; this document generated {m.get('date')}"
    return (f"{line}; measured {m.get('date')}, 1-minute load average "
            f"{m.get('loadavg_1m', 'not recorded')} when it started")


def render_doc(modules: list[Any]) -> str:
    """The whole of docs/benchmarks.md, from each module's FIGURES and its results file."""
    parts = [INTRO, "## This machine\n", f"{_machine_line(machine(), measured=False)}\n"]
    for mod in sorted(modules, key=lambda m: getattr(m, "ORDER", 99)):
        name = mod.__name__.rsplit(".", 1)[-1].removeprefix("bench_")
        results = read_results(name)
        parts.append(f"## {mod.TITLE}\n")
        parts.append(mod.ABOUT.strip() + "\n")
        if results is None:
            parts.append(f"Not run yet: `{command(name)}`.\n")
            continue
        run = results.get("_run", {})
        quick = " (**quick mode: smaller than the real benchmark**)" if run.get("quick") else ""
        parts.append(f"Command: `{run.get('command', command(name))}`{quick}  \n"
                     f"Machine: {_machine_line(run.get('machine', {}))}\n")
        rows = ["| figure | value | target | met? |", "|---|---|---|---|"]
        for fig in mod.FIGURES:
            rows.append(f"| {fig.label} (`{fig.key}`) | {_fmt(fig.value(results))} | "
                        f"{fig.target} | {fig.verdict(results)} |")
        parts.append("\n".join(rows) + "\n")
        remarks = getattr(mod, "notes", None)
        if remarks is not None:
            lines = remarks(results)
            if lines:
                parts.append("\n".join(f"- {line}" for line in lines) + "\n")
    return "\n".join(parts)
