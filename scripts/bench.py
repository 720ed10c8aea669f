"""`make bench` runs every benchmark in benchmarks/; `make bench BENCH=name` runs one.

A benchmark is a module `benchmarks/<name>.py` with a `main(emit)` function. It calls `emit(dict)`
for each JSON line it wants printed and returns its final figures, printed last as
`{"bench": "<name>", ...}` so a reader or a script can compare runs. Benchmarks send traffic to
127.0.0.1 only, are bounded in count and time, and stop by themselves.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def available() -> list[str]:
    import benchmarks

    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


def emit(line: dict) -> None:
    print(json.dumps(line, sort_keys=False), flush=True)


def run(name: str) -> bool:
    module = importlib.import_module(f"benchmarks.{name}")
    started = time.monotonic()
    try:
        figures = module.main(emit) or {}
    except Exception as exc:  # one failing benchmark must not hide the others' figures
        emit({"bench": name, "error": f"{type(exc).__name__}: {exc}"})
        return False
    emit({"bench": name, **figures, "elapsed_s": round(time.monotonic() - started, 1)})
    return True


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if a] or [os.environ.get("BENCH", "")]
    names = [n for n in wanted if n] or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available()) or 'none'}",
              file=sys.stderr)
        return 2
    if not names:
        print("no benchmarks yet", file=sys.stderr)
        return 0
    results = [run(name) for name in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
