"""Catalogue search benchmark: quality on how citizens ask, and latency at 1x and 10x the catalogue.

    .venv/bin/python -m bench.catalog_search [--rounds N]

Loads the Guang'an catalogue (../shared/data/catalog_guangan.csv) into a throwaway SQLite database,
seeds the default synonyms, runs every query of ../shared/data/search_dev.tsv through the real search
(`shanghui.catalog.search.search`) and through a plain substring match (`name__icontains`, the
baseline), and prints recall@1, recall@5 and MRR for both. Three more query files are reported
beside it as a check that the search generalises: extra (written early and used while developing),
holdout and holdout2 (each written before the search first saw it; the misses it then showed were
fixed only by general means: vocabulary, abbreviations, scoring). The search's figures count what a
citizen sees: only real matches, none when it says that nothing matches (the "no match" column counts
those queries, whose expected items it would then hide). Then it times both at the catalogue's size and at ten times
its size (synthetic items: the real names with county prefixes and suffixes), and times searches made
while another thread rebuilds the large index (they answer from the previous index instead of
waiting for the rebuild). Writes bench/results/catalog_search.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_DATA = REPO.parent / "shared" / "data"
CATALOGUE = SHARED_DATA / "catalog_guangan.csv"
QUERY_SETS = {
    "dev": SHARED_DATA / "search_dev.tsv",
    "extra": HERE / "catalog_search_extra.tsv",
    "holdout": HERE / "catalog_search_holdout.tsv",
    "holdout2": HERE / "catalog_search_holdout2.tsv",
}
RESULTS = HERE / "results" / "catalog_search.json"
COUNTIES = [
    "柯城区",
    "衢江区",
    "龙游县",
    "江山市",
    "常山县",
    "开化县",
    "前锋区",
    "岳池县",
    "武胜县",
    "邻水县",
]
SUFFIXES = ["延伸办理", "跨域通办", "网上办理", "就近办理", "（市级）", "（县级）", "（乡镇）"]


def setup_django(database_url: str | None = None) -> Path:
    """A throwaway database unless one is given; must run before Django is imported anywhere."""
    workdir = Path(tempfile.mkdtemp(prefix="shanghui-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanghui.settings")
    os.environ["DATA_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return workdir


def read_catalogue(path: Path = CATALOGUE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("name", "").strip()]


def load_catalogue(rows: Sequence[dict[str, str]], *, federation_name: str = "广安区工商联") -> Any:
    """The catalogue as rows in the database: departments under one federation, items by bulk insert.
    Returns the federation. (Import proper, with validation and versions, is the importer's job.)"""
    from shanghui.catalog.models import ItemType, ServiceItem
    from shanghui.orgs import services as org_services
    from shanghui.orgs.models import FederationLevel, OrgKind

    federation = org_services.create_organisation(
        actor=None, kind=OrgKind.FEDERATION, name=federation_name, federation_level=FederationLevel.CITY
    )
    departments: dict[str, Any] = {}
    types = set(ItemType.values)
    items = []
    seen_codes: set[str] = set()
    for number, row in enumerate(rows, 1):
        name = row["department"].strip()
        if name not in departments:
            departments[name] = org_services.create_organisation(
                actor=None, kind=OrgKind.DEPARTMENT, name=name, parent=federation
            )
        code = row["item_code"].strip() or f"ROW{number}"
        if code in seen_codes:
            code = f"{code}#{number}"
        seen_codes.add(code)
        task_type = row["task_type"].strip()
        items.append(
            ServiceItem(
                department=departments[name],
                code=code,
                name=row["name"].strip().strip('"'),
                group_name="" if row["group"].strip() == "未分类" else row["group"].strip().strip('"'),
                item_type=task_type if task_type in types else ItemType.OTHER_POWER,
            )
        )
    ServiceItem.objects.bulk_create(items, batch_size=500)
    return federation


def add_synthetic_items(factor: int, *, seed: int = 20260101) -> int:
    """Grow the catalogue to `factor` times its size with believable variants of the real names."""
    from shanghui.catalog.models import ServiceItem

    rng = random.Random(seed)
    real = list(ServiceItem.objects.order_by("id"))
    extra = []
    for round_ in range(1, factor):
        for item in real:
            county = rng.choice(COUNTIES)
            name = rng.choice(
                [
                    f"{county}{item.name}",
                    f"{item.name}{rng.choice(SUFFIXES)}",
                    f"{county}{item.name}{rng.choice(SUFFIXES)}",
                ]
            )
            extra.append(
                ServiceItem(
                    department_id=item.department_id,
                    code=f"SYN{round_}-{item.code}"[:80],
                    name=name[:200],
                    group_name=item.group_name,
                    item_type=item.item_type,
                )
            )
    ServiceItem.objects.bulk_create(extra, batch_size=1000)
    return len(extra)


def read_queries(path: Path) -> list[tuple[str, set[str]]]:
    with path.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()[1:]
    queries = []
    for line in lines:
        if "\t" in line:
            query, expected = line.split("\t", 1)
            queries.append((query, {e.strip() for e in expected.split("|") if e.strip()}))
    return queries


@dataclass
class Quality:
    queries: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    misses: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "recall@1": round(self.recall_at_1, 4),
            "recall@5": round(self.recall_at_5, 4),
            "mrr": round(self.mrr, 4),
            "missed@5": self.misses,
        }


def quality(queries: Sequence[tuple[str, set[str]]], ranked: Callable[[str], list[str]]) -> Quality:
    hits1 = hits5 = 0
    reciprocal = 0.0
    misses = []
    for query, expected in queries:
        names = ranked(query)[:10]
        rank = next((k for k, name in enumerate(names) if name in expected), None)
        if rank is not None:
            reciprocal += 1 / (rank + 1)
            hits1 += rank == 0
            hits5 += rank < 5
        if rank is None or rank >= 5:
            misses.append(query)
    n = max(1, len(queries))
    return Quality(len(queries), hits1 / n, hits5 / n, reciprocal / n, misses)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    n = len(ordered)

    def at(q: float) -> float:
        return ordered[min(n - 1, max(0, round(q * (n - 1))))] * 1000

    return {
        "p50_ms": round(at(0.50), 3),
        "p99_ms": round(at(0.99), 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def time_calls(
    queries: Sequence[str],
    call: Callable[[str], Any],
    *,
    rounds: int,
    before: Callable[[], None] | None = None,
) -> dict[str, float]:
    for query in queries:  # warm-up: connections, caches of the process
        call(query)
    # Wall time is what a citizen waits; CPU time of this thread is the same minus the time the
    # machine gave to other processes (a shared machine inflates the wall-time tail).
    wall, cpu = [], []
    for _ in range(rounds):
        for query in queries:
            if before is not None:
                before()
            started, started_cpu = time.perf_counter(), time.thread_time()
            call(query)
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
    cpu_stats = {f"cpu_{key}": value for key, value in percentiles(cpu).items()}
    return percentiles(wall) | cpu_stats | {"samples": len(wall)}


def time_during_rebuild(queries: Sequence[str], call: Callable[[str], Any]) -> dict[str, Any]:
    """Searches made while another thread rebuilds the index, until it is done: each answers from the
    previous index (the search's tests check that it is the previous one); this measures how long they
    take meanwhile, beside how long the rebuild takes. On one interpreter the rebuild and the searches
    share the GIL, so these are slower than searches alone, but none waits for the whole rebuild."""
    from shanghui.catalog.search import live

    live.invalidate()
    done = threading.Event()

    def rebuild() -> None:
        live.get_index()
        done.set()

    started = time.perf_counter()
    builder = threading.Thread(target=rebuild)
    builder.start()
    while not live._build_lock.locked() and not done.is_set():  # the rebuild holds the lock first
        time.sleep(0.001)
    wall: list[float] = []
    while not done.is_set():
        for query in queries:
            began = time.perf_counter()
            call(query)
            wall.append(time.perf_counter() - began)
            if done.is_set():
                break
    builder.join()
    rebuild_s = time.perf_counter() - started
    if not wall:
        return {"rebuild_s": round(rebuild_s, 3), "samples": 0}
    return {
        "rebuild_s": round(rebuild_s, 3),
        "samples": len(wall),
        "max_ms": round(max(wall) * 1000, 3),
    } | percentiles(wall)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds over all queries (default 5)")
    parser.add_argument("--factor", type=int, default=10, help="size of the large catalogue (default 10x)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    if not CATALOGUE.exists():
        sys.exit(f"missing {CATALOGUE}")

    setup_django(args.database_url)
    from django.db import connection

    from shanghui.catalog import search
    from shanghui.catalog.models import ServiceItem

    rows = read_catalogue()
    load_catalogue(rows)
    seeded = search.seed_default_synonyms()

    def ours(query: str) -> list[str]:
        return [hit.name for hit in search.search(query, limit=10)]

    def baseline(query: str) -> list[str]:
        # What a plain database search gives: names containing the query, shortest first.
        from django.db.models.functions import Length

        qs = ServiceItem.objects.filter(is_online=True, name__icontains=query.strip()).order_by(
            Length("name"), "id"
        )
        return list(qs.values_list("name", flat=True)[:10])

    started = time.perf_counter()
    index = search.get_index()
    build_1x = time.perf_counter() - started
    sets = {name: read_queries(path) for name, path in QUERY_SETS.items() if path.exists()}
    report: dict[str, Any] = {
        "catalogue_items": ServiceItem.objects.count(),
        "synonyms": seeded,
        "database": connection.vendor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "quality": {
            name: {
                "search": quality(qs, ours).as_json()
                | {"no_match": [q for q, _ in qs if not search.find(q, limit=10).matched]},
                "baseline": quality(qs, baseline).as_json(),
            }
            for name, qs in sets.items()
        },
    }
    all_queries = [q for qs in sets.values() for q, _ in qs]
    latency: dict[str, Any] = {}
    # Each query is timed cold (the index's per-query cache of cut runs emptied first).
    latency["1x"] = {
        "items": len(index.items),
        "index_build_s": round(build_1x, 3),
        "search": time_calls(
            all_queries, lambda q: search.search(q, limit=10), rounds=args.rounds, before=index.clear_caches
        ),
        "baseline": time_calls(all_queries, baseline, rounds=args.rounds),
    }
    added = add_synthetic_items(args.factor)
    search.invalidate()
    started = time.perf_counter()
    big = search.get_index()
    build_big = time.perf_counter() - started
    latency[f"{args.factor}x"] = {
        "items": len(big.items),
        "synthetic_items": added,
        "index_build_s": round(build_big, 3),
        "search": time_calls(
            all_queries, lambda q: search.search(q, limit=10), rounds=args.rounds, before=big.clear_caches
        ),
        "baseline": time_calls(all_queries, baseline, rounds=args.rounds),
    }
    report["latency"] = latency
    report["during_rebuild"] = {"items": len(big.items)} | time_during_rebuild(
        all_queries, lambda q: search.search(q, limit=10)
    )
    print_table(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {RESULTS.relative_to(REPO)}")
    return report


def print_table(report: dict[str, Any]) -> None:
    print(
        f"\nCatalogue search · {report['catalogue_items']} items · {report['database']} · Python {report['python']}\n"
    )
    print(f"{'queries':<16}{'n':>4}  {'':<10}{'recall@1':>9}{'recall@5':>9}{'MRR':>7}{'no match':>10}")
    for name, result in report["quality"].items():
        for engine in ("search", "baseline"):
            q = result[engine]
            label = f"{name}.tsv" if engine == "search" else ""
            no_match = len(q["no_match"]) if "no_match" in q else ""
            print(
                f"{label:<16}{q['queries'] if engine == 'search' else '':>4}  {engine:<10}{q['recall@1']:>9.3f}{q['recall@5']:>9.3f}{q['mrr']:>7.3f}{no_match:>10}"
            )
    for name, result in report["quality"].items():
        if result["search"]["missed@5"]:
            print(f"  not in top 5 ({name}): {'、'.join(result['search']['missed@5'])}")
        if result["search"]["no_match"]:
            print(f"  no match ({name}): {'、'.join(result['search']['no_match'])}")
    print(
        f"\n{'size':<6}{'items':>7}{'build s':>9}  {'':<10}{'p50 ms':>8}{'p99 ms':>8}{'mean ms':>9}"
        f"{'cpu p50':>9}{'cpu p99':>9}"
    )
    for size, result in report["latency"].items():
        for engine in ("search", "baseline"):
            t = result[engine]
            first = engine == "search"
            print(
                f"{size if first else '':<6}{result['items'] if first else '':>7}{result['index_build_s'] if first else '':>9}  "
                f"{engine:<10}{t['p50_ms']:>8.2f}{t['p99_ms']:>8.2f}{t['mean_ms']:>9.2f}"
                f"{t['cpu_p50_ms']:>9.2f}{t['cpu_p99_ms']:>9.2f}"
            )
    rebuild = report.get("during_rebuild")
    if rebuild and rebuild["samples"]:
        print(
            f"\nwhile the {rebuild['items']}-item index rebuilds ({rebuild['rebuild_s']:.2f} s): "
            f"{rebuild['samples']} searches, p50 {rebuild['p50_ms']:.2f} ms, p99 {rebuild['p99_ms']:.2f} ms, "
            f"max {rebuild['max_ms']:.2f} ms"
        )


if __name__ == "__main__":
    main()
