"""`python -m bench [name ...] [--quick]`: run benchmarks, write their results and the doc.

With no names, every `bench/bench_*.py` module runs. Each writes `bench/results/<name>.json`;
then `docs/benchmarks.md` is regenerated from all results files (old figures of benchmarks not
run this time are kept). `--quick` is a smoke test: small sizes, results to
`bench/results/quick/`, the doc left alone.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from types import ModuleType

from bench.common import (
    DOC_PATH,
    REPO_ROOT,
    machine,
    render_doc,
    results_path,
    write_results,
)


def available() -> list[str]:
    """Benchmark names, in the order of their ORDER (the issue they belong to)."""
    names = [p.stem.removeprefix("bench_") for p in (REPO_ROOT / "bench").glob("bench_*.py")]
    return sorted(names, key=lambda n: (getattr(load(n), "ORDER", 99), n))


def load(name: str) -> ModuleType:
    return importlib.import_module(f"bench.bench_{name}")


def main(argv: list[str] | None = None) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"any of: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true",
                        help="a much smaller run (smoke test) into bench/results/quick/; no doc")
    parser.add_argument("--doc-only", action="store_true",
                        help="only regenerate docs/benchmarks.md from bench/results/")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    if not args.doc_only:
        for name in args.names or names:
            started, started_on = time.perf_counter(), machine()
            print(f"bench {name}{' (quick)' if args.quick else ''} …", flush=True)
            results = load(name).run(quick=args.quick)
            write_results(name, results, quick=args.quick, started_on=started_on)
            took = time.perf_counter() - started
            where = results_path(name, args.quick).relative_to(REPO_ROOT)
            print(f"bench {name}: done in {took:.1f} s → {where}", flush=True)
    if args.quick and not args.doc_only:
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render_doc([load(n) for n in names]))
    print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
