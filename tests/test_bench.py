"""The benchmarks (bench/, `./dev bench`) are not part of the test suite, but their code must import and
their safety rules hold: only databases named *_bench are dropped, only 127.0.0.1 is loaded, and the
seeded stories are ones the workflow could have told."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench import harness, load, load_actions, seed
from bench.__main__ import main
from shanghui.proxy.models import Status
from shanghui.proxy.workflow import TRANSITIONS


def test_the_command_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])

    assert exit_.value.code == 0
    assert "--quick" in capsys.readouterr().out


def test_it_never_uses_the_database_it_is_configured_with() -> None:
    url = harness.bench_database_url({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shanghui"})

    assert url == "postgres://postgres@127.0.0.1:5432/shanghui_bench"
    assert harness.bench_database_url({}) == harness.DEFAULT_DATABASE_URL
    for name in ("shanghui", "test", "postgres"):
        with pytest.raises(SystemExit):
            harness.drop_database(f"postgres://postgres@127.0.0.1:5432/{name}")


def test_the_load_generator_only_targets_this_machine() -> None:
    with pytest.raises(SystemExit):
        load.get({"base_url": "http://192.0.2.1:8000", "path": "/", "requests": 1})
    with pytest.raises(ValueError, match="127.0.0.1"):
        harness.run_load({"mode": "get", "base_url": "http://example.org/"}, timeout=1)


def in_own_thread(run: Any, spec: dict[str, Any]) -> Any:
    """`run(spec)` as the load generator's process runs it: with no event loop around (a browser test
    before this one on the same worker leaves Playwright's loop on the test thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run, spec).result()


def test_the_workflow_load_and_its_baseline_only_target_this_machine() -> None:
    with pytest.raises(SystemExit):
        in_own_thread(load_actions.run, {"kind": "http", "base_url": "http://192.0.2.1:8000", "clients": []})
    with pytest.raises(SystemExit):
        in_own_thread(
            load_actions.run,
            {"kind": "psycopg", "dsn": "postgresql://postgres@192.0.2.1/x_bench", "clients": []},
        )


def test_seeded_stories_follow_the_workflow() -> None:
    rng = random.Random(1)
    now = 1_800_000_000.0
    choice = seed.Choice(
        1, "上海", 2, 3, 4, 5, "330802", 6, ("张三", "x", "h", "13800001234"), "agent", "ABCDEFGH"
    )
    actions = set(TRANSITIONS) | {"create", "rate"}
    for _ in range(300):
        told = seed.story(choice, rng, now, now - rng.random() * seed.SPAN_DAYS * seed.D)
        times = [at for *_rest, at in told.events]
        assert times == sorted(times) and times[-1] <= now
        assert {action for action, *_rest in told.events} <= actions
        assert told.case["status"] in Status.values
        assert (told.case["window_id"] is not None) == ("forwarded_at" in told.case)
    template = seed.make_template(rng, 5)
    assert template.status in Status.values and template.times
    assert seed._timestamp(86400 * 365 + 3661.5) == "1971-01-01 01:01:01+00"


def test_the_websocket_load_generator_only_targets_this_machine() -> None:
    from bench import load_ws

    with pytest.raises(SystemExit):
        in_own_thread(
            load_ws.run, {"servers": ["http://192.0.2.1:8000"], "conversations": [], "rate": 1, "seconds": 1}
        )
    with pytest.raises(SystemExit):
        in_own_thread(
            load_ws.run,
            {
                "servers": ["http://127.0.0.1:1"],
                "conversations": [],
                "rate": 1,
                "seconds": 1,
                "baseline": {"redis_url": "redis://192.0.2.1:6379/0", "seconds": 1},
            },  # fmt: skip
        )


def test_the_live_conversations_hold_500_clients_in_threes_to_fives() -> None:
    from bench import live

    plan = live.sizes(500)
    assert sum(plan) == 500 and set(plan) == {3, 4, 5}
