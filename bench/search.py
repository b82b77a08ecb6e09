"""Part 3, catalogue search: bench/catalog_search.py (recall@5 on how citizens ask, p99 latency at 1x and
10x the Guang'an catalogue, against a plain substring match, and while the 10x index rebuilds) run in
its own process on its own PostgreSQL database; its detailed table goes to
bench/results/catalog_search.log, its figures into the one table. Quick: one timing round and a 2x
catalogue instead of five rounds and 10x.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.catalog_search import CATALOGUE
from bench.catalog_search import RESULTS as SEARCH_JSON
from bench.harness import REPO, RESULTS, Line, drop_database, ms, ratio, recreate_database, with_database


def run(quick: bool, database_url: str) -> tuple[list[Line], dict[str, Any]]:
    if not CATALOGUE.exists():
        reason = f"skipped: {CATALOGUE} not found"
        return [Line("3", "catalogue search", reason)], {"status": reason}
    url = with_database(database_url, "shanghui_bench_search")
    recreate_database(url)
    log = RESULTS / "catalog_search.log"
    arguments = ["--rounds", "1", "--factor", "2"] if quick else ["--rounds", "5", "--factor", "10"]
    try:
        with log.open("w") as out:
            code = subprocess.call(  # noqa: S603  (our interpreter, our module)
                [sys.executable, "-m", "bench.catalog_search", "--database-url", url, *arguments],
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
    finally:
        drop_database(url)
    if code != 0:
        raise RuntimeError(f"bench.catalog_search failed ({code}); see {log}")
    report: dict[str, Any] = json.loads(SEARCH_JSON.read_text(encoding="utf-8"))
    lines = []
    for name, result in report["quality"].items():
        ours, base = result["search"]["recall@5"], result["baseline"]["recall@5"]
        lines.append(
            Line("3", f"search recall@5, {name} ({result['search']['queries']} queries)", f"{ours:.3f}",
                 f"substring {base:.3f}", ratio(ours, base))
        )  # fmt: skip
    for size, result in report["latency"].items():
        ours, base = result["search"]["p99_ms"], result["baseline"]["p99_ms"]
        lines.append(
            Line("3", f"search p99 @{size} ({result['items']:,} items)", ms(ours), f"substring {ms(base)}",
                 ratio(ours, base))
        )  # fmt: skip
    rebuild = report.get("during_rebuild")
    if rebuild and rebuild["samples"]:
        size = next(reversed(report["latency"]))  # the large catalogue, the one rebuilt
        alone = report["latency"][size]["search"]["p99_ms"]
        lines.append(
            Line("3", f"search p99 while the @{size} index rebuilds ({rebuild['rebuild_s']:.1f} s)",
                 ms(rebuild["p99_ms"]), f"alone {ms(alone)}", ratio(rebuild["p99_ms"], alone))
        )  # fmt: skip
    return lines, report
