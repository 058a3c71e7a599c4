"""The morning rush on a loaded machine: `python -m bench.loaded_rush [sqlite|postgresql]`.

The sync benchmark's morning rush (bench/bench_sync.py `morning`: BENCH_MORNING_DEVICES phones,
default 20,000, each a full resync, BENCH_MORNING_RUNS runs, default 3) with BENCH_LOAD_HOGS
busy-loop processes (default 1) competing for the CPU all the while, as another service on the
office's machine would. It prints each run's seconds, p99 and failed syncs and writes no
results file: the figures go into docs/benchmarks.md's caveats by hand, with this command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.bench_sync import TODAY, morning
from bench.data import EIGHT_SLOTS, Fake
from bench.server import bulk_workers, database, init, serve, tempdir

HOG = "while True: pass"


def main(kind: str) -> int:
    devices = int(os.environ.get("BENCH_MORNING_DEVICES", 20000))
    runs = int(os.environ.get("BENCH_MORNING_RUNS", 3))
    hogs = int(os.environ.get("BENCH_LOAD_HOGS", 1))
    with tempdir() as t, database(kind, Path(t)) as url:
        seeded = init(url, Path(t))
        phones = bulk_workers(url, seeded, Fake(4), workers_n=devices, people_each=6, day=TODAY,
                              slots=EIGHT_SLOTS)
        with serve(url, seeded.key_file) as base:
            busy = [subprocess.Popen([sys.executable, "-c", HOG])  # noqa: S603 - our own loop
                    for _ in range(hogs)]
            try:
                out = morning(base, url, phones, runs)
            finally:
                for proc in busy:
                    proc.kill()
                    proc.wait()
    print(f"{kind}, {hogs} busy-loop process(es) beside it: runs {out['morning_runs_seconds']} s, "
          f"p99 {out['morning_runs_p99_ms']} ms, failed syncs {out['morning_failed_per_run']}")
    return 1 if out["morning_failed_syncs"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql"))
