"""Run every benchmark in this package, one process each (each sets up its own database):

.venv/bin/python -m bench            # all
.venv/bin/python -m bench catalog_search
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    chosen = argv or benchmarks()
    unknown = sorted(set(chosen) - set(benchmarks()))
    if unknown:
        print(f"unknown benchmark: {', '.join(unknown)} (known: {', '.join(benchmarks())})", file=sys.stderr)
        return 2
    failed = 0
    for name in chosen:
        print(f"==> bench.{name}", flush=True)
        # Names come from this package's own modules, checked above.
        failed |= subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)  # noqa: S603
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
