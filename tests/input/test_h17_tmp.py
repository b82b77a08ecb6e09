from types import SimpleNamespace

import pytest

from tests.input import test_fuzz_api, test_fuzz_pages
from tests.input.test_fuzz_api import tokens  # noqa: F401


@pytest.mark.parametrize("shard", range(2))
def test_mine_pages(land: SimpleNamespace, shard: int, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = [r for r in test_fuzz_pages.routes() if r.area == "pages" and r.name.split(":")[0] in {"donations", "pairing", "give"}]
    monkeypatch.setattr(test_fuzz_pages, "page_routes", lambda: mine)
    monkeypatch.setattr(test_fuzz_pages, "SHARDS", 2)
    test_fuzz_pages.test_no_page_answers_5xx(land, shard)


def test_mine_api(tokens: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = [op for op in test_fuzz_api.ALL if "/donations" in op[1] or "/pairing" in op[1]]
    monkeypatch.setattr(test_fuzz_api, "ALL", mine)
    monkeypatch.setattr(test_fuzz_api, "SHARDS", 1)
    for method, template, operation, document in mine:
        test_fuzz_api.attack(tokens, method, template, operation, document)
