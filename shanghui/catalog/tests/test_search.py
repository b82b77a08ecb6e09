"""Catalogue search: how citizens ask (colloquial, pinyin, first letters, typos, questions), why an
item matched, an index that follows the catalogue without a restart, the API, and the citizen pages."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shanghui.catalog import search
from shanghui.catalog.models import Material, ProxyPointCatalog, ServiceItem, Synonym
from shanghui.catalog.search import live, text
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.tests.factories import make_org

ID_CARD = "居民身份证办理（包括临时）"
ID_CARD_LOST = "居民身份证挂失申报、丢失招领"
HUKOU_MOVE = "户口迁移审批"
NO_CRIME = "无犯罪记录证明"
SSC = "社会保障卡申领"
SSC_LOST = "社会保障卡挂失"
PENSION_MOVE = "企业职工基本养老保险关系转移接续申请"
HOUSING_FUND = "住房公积金提取"
MARRIAGE = "结婚登记预约"
DIBAO = "最低生活保障"
COMPANY = "公司设立登记"
UNEMPLOYMENT = "失业保险金申领"

_codes = iter(range(1, 1_000_000))


def make_item(department: Organisation, name: str, **fields: Any) -> ServiceItem:
    fields.setdefault("item_type", "20")
    return ServiceItem.objects.create(department=department, name=name, code=f"T{next(_codes):06d}", **fields)


@pytest.fixture(autouse=True)
def _fresh_index() -> None:
    # The index is per process; tests build different catalogues.
    search.invalidate()


@pytest.fixture
def catalogue(world: SimpleNamespace) -> SimpleNamespace:
    """A small catalogue in the world's city: the items citizens ask for most, among look-alikes."""
    c = SimpleNamespace(world=world)
    police, social = world.dept, world.dept2
    civil = make_org(OrgKind.DEPARTMENT, "衢州市民政局", world.city)
    fund = make_org(OrgKind.DEPARTMENT, "衢州市住房公积金中心", world.city)
    market = make_org(OrgKind.DEPARTMENT, "衢州市市场监管局", world.city)
    c.id_card = make_item(
        police, ID_CARD, description="首次申领、换领、补领居民身份证。", legal_limit=60,
        legal_limit_unit="calendar", promised_limit=20, promised_limit_unit="calendar", fee_yuan=20,
        fee_note="工本费20元", delivery_methods=["post", "pickup"], usage_count=300,
    )  # fmt: skip
    c.id_card_lost = make_item(police, ID_CARD_LOST)
    make_item(police, "居民身份证跨省异地办理")
    make_item(police, "临时身份证明")
    c.hukou = make_item(police, HUKOU_MOVE)
    make_item(police, "户口登记", group_name="户口登记（包括注销、恢复、变更）")
    make_item(police, "户口注销", group_name="户口登记（包括注销、恢复、变更）")
    c.no_crime = make_item(police, NO_CRIME)
    make_item(police, "普通护照签发")
    c.ssc = make_item(social, SSC, group_name="社会保障卡申领")
    make_item(social, "社会保障卡补领、换领、换发")
    c.ssc_lost = make_item(social, SSC_LOST, group_name="社会保障卡挂失与解挂")
    c.pension_move = make_item(social, PENSION_MOVE)
    make_item(social, "城乡居民基本养老保险参保登记")
    make_item(social, "企业职工基本养老保险正常退休申请", group_name="职工退休申请")
    c.unemployment = make_item(social, UNEMPLOYMENT)
    make_item(social, "失业登记")
    c.fund = make_item(fund, HOUSING_FUND, proxy_eligible=True)
    make_item(fund, "住房公积金个人住房贷款")
    c.marriage = make_item(civil, MARRIAGE)
    make_item(civil, "离婚登记预约")
    c.dibao = make_item(civil, DIBAO)
    c.company = make_item(market, COMPANY)
    make_item(market, "公司注销登记")
    make_item(market, "食品经营许可")
    c.hidden = make_item(police, "居民身份证快速办理试点", is_online=False)
    search.seed_default_synonyms()
    return c


def names(query: str, limit: int = 5, **options: Any) -> list[str]:
    return [hit.name for hit in search.search(query, limit=limit, **options)]


# --- How citizens ask -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # official names and parts of them
        (ID_CARD, ID_CARD),
        ("户口迁移", HUKOU_MOVE),
        ("养老保险关系转移", PENSION_MOVE),
        # colloquial wording
        ("换身份证", ID_CARD),
        ("社保转移", PENSION_MOVE),
        ("提公积金", HOUSING_FUND),
        ("开无犯罪证明", NO_CRIME),
        ("办社保卡", SSC),
        ("申请低保", DIBAO),
        ("领失业金", UNEMPLOYMENT),
        ("开公司", COMPANY),
        # full pinyin and first letters
        ("shenfenzheng", ID_CARD),
        ("sfz", ID_CARD),
        ("sbk", SSC),
        ("wfzjl", NO_CRIME),
        ("hkqy", HUKOU_MOVE),
        # typos and near homophones
        ("身分证", ID_CARD),
        ("户口签移", HUKOU_MOVE),
        ("社宝卡", SSC),
        # questions
        ("身份证丢了怎么办", ID_CARD_LOST),
        ("我想问一下社保卡丢了去哪里办理", SSC_LOST),
        ("结婚要预约吗", MARRIAGE),
        # Chinese and pinyin mixed
        ("shebao转移", PENSION_MOVE),
        ("sfz丢了", ID_CARD_LOST),
        ("换sfz", ID_CARD),
        ("社保ka", SSC),
        ("低bao", DIBAO),
        # full pinyin typed with spaces between syllables or words
        ("ju min shen fen zheng", ID_CARD),
        ("shen fen zheng", ID_CARD),
        ("hu kou qian yi", HUKOU_MOVE),
        ("shebao zhuanyi", PENSION_MOVE),
        ("shen fen zh", ID_CARD),
    ],
)
def test_finds_the_item_however_it_is_asked(catalogue: SimpleNamespace, query: str, expected: str) -> None:
    assert expected in names(query)


@pytest.mark.parametrize(
    ("query", "expected", "why"),
    [
        (ID_CARD, ID_CARD, "名称完全一致"),
        ("sfz", ID_CARD, "拼音首字母 sfz→身份证"),
        ("shenfenzheng", ID_CARD, "拼音 shenfenzheng→身份证"),
        ("身分证", ID_CARD, "纠错：身分证→身份证"),
        ("户口签移", HUKOU_MOVE, "纠错：户口签移→户口迁移"),
        ("换身份证", ID_CARD, "同义词：换身份证→居民身份证"),
        ("户口迁移", HUKOU_MOVE, "名称以“户口迁移”开头"),
    ],
)
def test_each_result_says_why_it_matched(
    catalogue: SimpleNamespace, query: str, expected: str, why: str
) -> None:
    hit = next(h for h in search.search(query, limit=5) if h.name == expected)
    assert why in hit.why
    assert 1 <= len(hit.why) <= 3
    assert hit.score > 0


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ju min shen fen zheng", "juminshenfenzheng"),
        ("shen  fen zh", "shenfenzh"),  # the last syllable still being typed
        ("身份证 bu ban", "身份证 buban"),
        ("sfz jh", "sfz jh"),  # first letters stay apart: each is its own abbreviation
        ("shebao sfz", "shebao sfz"),
        ("sfz shen fen", "sfz shenfen"),
    ],
)
def test_pinyin_typed_with_spaces_is_read_as_one_run(typed: str, read: str) -> None:
    assert text.join_spaced_pinyin(typed) == read


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("居民身份证(含临时)办理", "居民身份证办理"),
        ("发票验(交)旧(县级行使)", "发票验旧"),
        ("建设用地(含临时用地(出让))规划许可证核发", "建设用地规划许可证核发"),
        ("【试点】户口迁移", "户口迁移"),
        ("户口迁移审批", "户口迁移审批"),
    ],
)
def test_a_name_without_its_bracketed_inserts(name: str, plain: str) -> None:
    assert text.without_inserts(name) == plain


def test_words_on_both_sides_of_an_insert_find_the_item(world: SimpleNamespace) -> None:
    police, social = world.dept, world.dept2
    inserted = make_item(police, "居民身份证（含临时）办理")
    for name in ("居民身份证跨省异地办理", "居民身份证挂失申报、丢失招领", "临时身份证明"):
        make_item(police, name)
    archive = make_item(social, "档案查（借）阅服务")
    make_item(social, "社会组织档案查询")
    search.seed_default_synonyms()
    # The name without the insert is what was typed: it comes before every other 居民身份证 item,
    # though 办理 alone is filler and 居民身份证 starts several names.
    first = search.search("居民身份证办理", limit=5)[0]
    assert first.id == inserted.pk and "名称一致（不计括号内容）" in first.why
    # 查阅 only exists once 借 is taken out of 查(借)阅.
    assert names("档案查阅")[0] == archive.name
    assert names("dang an cha yue")[0] == archive.name


def test_results_are_ranked_by_score(catalogue: SimpleNamespace) -> None:
    hits = search.search("身份证", limit=10)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # Many citizens use the item (usage_count), and its name is the closest: it comes first.
    assert hits[0].name == ID_CARD


def test_an_exact_name_comes_first(catalogue: SimpleNamespace) -> None:
    assert names("户口注销")[0] == "户口注销"
    assert names("失业登记")[0] == "失业登记"


def test_an_implementation_code_finds_its_item(catalogue: SimpleNamespace) -> None:
    hits = search.search(f"  {catalogue.no_crime.code.lower()} ")
    assert [h.name for h in hits] == [NO_CRIME] and hits[0].why == ["实施编码一致"]
    # An offline item is not found by its code either (citizens do not see it).
    assert all(h.id != catalogue.hidden.pk for h in search.search(catalogue.hidden.code))


def test_empty_and_meaningless_queries_find_nothing(catalogue: SimpleNamespace) -> None:
    assert search.search("") == []
    assert search.search("   ") == []
    assert search.search("怎么办") == []
    assert search.search("？？！") == []


def test_filters_by_department_and_proxy_eligibility(catalogue: SimpleNamespace) -> None:
    catalogue.id_card.proxy_eligible = False
    catalogue.id_card.save()
    assert ID_CARD not in names("身份证", limit=20, proxy_only=True)
    assert ID_CARD_LOST in names("身份证", limit=20, proxy_only=True)
    social = catalogue.world.dept2.pk
    assert set(names("申领", limit=20, department_id=social)) <= {
        SSC, UNEMPLOYMENT, "社会保障卡补领、换领、换发",
    }  # fmt: skip


def test_offline_items_are_only_for_staff(catalogue: SimpleNamespace) -> None:
    assert "居民身份证快速办理试点" not in names("居民身份证快速办理", limit=20)
    assert names("居民身份证快速办理试点", include_offline=True)[0] == "居民身份证快速办理试点"


def test_suggest_returns_items_for_a_prefix(catalogue: SimpleNamespace) -> None:
    assert ID_CARD in [h.name for h in search.suggest("居民身", 8)]
    assert ID_CARD in [h.name for h in search.suggest("shenfenzh", 8)]


# --- The index follows the catalogue ------------------------------------------------------------------


def test_a_synonym_added_at_run_time_takes_effect_at_once(catalogue: SimpleNamespace) -> None:
    assert MARRIAGE not in names("小红本")
    synonym = Synonym.objects.create(phrase="小红本", terms="结婚登记 预约")
    hit = next(h for h in search.search("小红本", limit=5) if h.name == MARRIAGE)
    assert "同义词：小红本→结婚登记" in hit.why

    synonym.is_active = False
    synonym.save()
    assert MARRIAGE not in names("小红本")


def test_a_change_made_by_another_process_is_seen_through_the_stamp(
    catalogue: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another web process changes the catalogue: no signal reaches this one; the stamp (counts and
    latest change times, checked at most once a second) does."""
    monkeypatch.setattr(live, "STAMP_INTERVAL", 3600)
    index = search.get_index()
    assert search.get_index() is index  # nothing changed: no rebuild
    later = timezone.now() + dt.timedelta(seconds=5)
    # .update() sends no signal, like a write made in another process.
    Synonym.objects.filter(phrase="低保").update(phrase="小红本", terms="结婚登记", updated_at=later)
    assert search.get_index() is index  # not checked again within the interval
    assert MARRIAGE not in names("小红本")

    monkeypatch.setattr(live, "STAMP_INTERVAL", 0)
    assert MARRIAGE in names("小红本")
    assert search.get_index() is not index
    rebuilt = search.get_index()
    assert search.get_index() is rebuilt  # and stays built while nothing changes


def test_items_added_edited_and_taken_offline_without_restart(catalogue: SimpleNamespace) -> None:
    assert names("渔业捕捞许可") == [] or "渔业捕捞许可审批" not in names("渔业捕捞许可")
    item = make_item(catalogue.world.dept, "渔业捕捞许可审批")
    assert names("捕捞许可")[0] == "渔业捕捞许可审批"

    item.name = "渔业船舶登记"
    item.save()
    assert "渔业船舶登记" in names("渔船登记")

    item.is_online = False
    item.save()
    assert "渔业船舶登记" not in names("渔船登记")


def test_material_names_are_searched(catalogue: SimpleNamespace) -> None:
    Material.objects.create(item=catalogue.marriage, name="婚前医学检查证明", position=1)
    hit = next(h for h in search.search("婚前医学检查", limit=10) if h.name == MARRIAGE)
    assert "材料含“婚前医学检查”" in hit.why


class CountingLock:
    """The index's build lock, counting the threads that have asked for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.asked = 0

    def acquire(self, blocking: bool = True) -> bool:
        with self.changed:
            self.asked += 1
            self.changed.notify_all()
        return self.lock.acquire(blocking)

    def release(self) -> None:
        self.lock.release()

    def wait_until_asked(self, times: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.asked >= times, timeout=30)


def test_only_one_thread_builds_and_the_others_keep_the_old_index(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    building, finish = threading.Event(), threading.Event()
    items = [
        search.IndexedItem(
            id=1, code="A", name="户口迁移审批", item_type="1", department_id=1, department="公安"
        )
    ]

    def held_build() -> search.SearchIndex:
        # The build runs until the test lets it finish: what the other threads do meanwhile is seen.
        built.append(1)
        building.set()
        finish.wait(timeout=30)
        return search.SearchIndex(items)

    lock = CountingLock()
    monkeypatch.setattr(live, "build_index", held_build)
    monkeypatch.setattr(live, "_index", None)
    monkeypatch.setattr(live, "_build_lock", lock)
    monkeypatch.setattr(live, "STAMP_INTERVAL", 3600)  # no stamp query: this test has no database
    results: list[search.SearchIndex] = []
    threads = [threading.Thread(target=lambda: results.append(search.get_index())) for _ in range(5)]
    for thread in threads:
        thread.start()
    # All five ask for the lock while the first build runs: with no index yet, they wait for it.
    asked = lock.wait_until_asked(5)
    finish.set()
    for thread in threads:
        thread.join()
    assert asked
    assert len(built) == 1 and len(results) == 5 and len({id(r) for r in results}) == 1

    old = results[0]
    building.clear()
    finish.clear()
    search.invalidate()
    # While one thread rebuilds, a second one gets the old index at once instead of waiting: it is
    # answered while the rebuild is still held.
    monkeypatch.setattr(live, "STAMP_INTERVAL", 0)  # the second thread goes for the lock, not the fast path
    first = threading.Thread(target=search.get_index)
    first.start()
    assert building.wait(timeout=30)
    during: list[search.SearchIndex] = []
    second = threading.Thread(target=lambda: during.append(search.get_index()))
    second.start()
    second.join(timeout=30)
    answered_during_rebuild = not second.is_alive()
    finish.set()
    first.join()
    second.join()
    assert answered_during_rebuild and len(during) == 1 and during[0] is old
    monkeypatch.setattr(live, "STAMP_INTERVAL", 3600)
    assert search.get_index() is not old and len(built) == 2


# --- Guang'an: the real catalogue ----------------------------------------------------------------------

SHARED = Path(django_settings.BASE_DIR).parent / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "catalog_guangan.csv").exists(), reason="shared/data not present")
def test_recall_at_5_on_the_dev_queries_of_the_real_catalogue(db: None) -> None:
    from bench.catalog_search import load_catalogue, quality, read_catalogue, read_queries

    load_catalogue(read_catalogue(SHARED / "catalog_guangan.csv"))
    search.seed_default_synonyms()
    assert ServiceItem.objects.count() >= 1100
    result = quality(
        read_queries(SHARED / "search_dev.tsv"), lambda q: [h.name for h in search.search(q, limit=10)]
    )
    assert result.queries >= 40
    assert result.recall_at_5 >= 0.9, result.misses


# --- API --------------------------------------------------------------------------------------------


def test_api_returns_ranked_items_with_reasons(client: Client, catalogue: SimpleNamespace) -> None:
    response = client.get("/api/catalog/search", {"q": "sfz", "limit": "3"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "sfz"
    assert body["count"] == len(body["results"]) <= 3
    first = body["results"][0]
    assert set(first) >= {"id", "code", "name", "department", "item_type", "score", "why", "url"}
    assert first["name"] == ID_CARD and first["department"] == "衢州市公安局"
    assert first["url"] == f"/s/items/{catalogue.id_card.pk}/"
    assert any("sfz" in why for why in first["why"])
    assert first["score"] >= body["results"][-1]["score"]


def test_api_empty_query_gives_empty_results(client: Client, catalogue: SimpleNamespace) -> None:
    queries: list[dict[str, str]] = [{}, {"q": ""}, {"q": "  "}]
    for params in queries:
        response = client.get("/api/catalog/search", params)
        assert response.status_code == 200
        assert response.json()["count"] == 0 and response.json()["results"] == []


@pytest.mark.parametrize("limit", ["0", "51", "-3", "abc", "1.5"])
def test_api_rejects_a_bad_limit_in_chinese(client: Client, catalogue: SimpleNamespace, limit: str) -> None:
    response = client.get("/api/catalog/search", {"q": "sfz", "limit": limit})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "limit 必须是 1 到 50 之间的整数"


def test_api_filters_by_department_and_rejects_a_bad_one(client: Client, catalogue: SimpleNamespace) -> None:
    police = catalogue.world.dept.pk
    body = client.get("/api/catalog/search", {"q": "登记", "limit": "50", "department": str(police)}).json()
    assert body["count"] > 0 and {r["department"] for r in body["results"]} == {"衢州市公安局"}
    response = client.get("/api/catalog/search", {"q": "登记", "department": "公安"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "department 必须是部门的数字编号"


def test_api_limit_bounds_are_accepted(client: Client, catalogue: SimpleNamespace) -> None:
    assert client.get("/api/catalog/search", {"q": "登记", "limit": "1"}).json()["count"] == 1
    assert client.get("/api/catalog/search", {"q": "登记", "limit": "50"}).status_code == 200


def test_api_hides_offline_items_and_needs_no_login(client: Client, catalogue: SimpleNamespace) -> None:
    body = client.get("/api/catalog/search", {"q": "居民身份证快速办理试点", "limit": "50"}).json()
    assert catalogue.hidden.pk not in {r["id"] for r in body["results"]}


# --- Citizen pages ---------------------------------------------------------------------------------


def test_search_page_lists_results_without_reasons(client: Client, catalogue: SimpleNamespace) -> None:
    response = client.get("/s/", {"q": "换身份证", "why": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_CARD in html and f'href="/s/items/{catalogue.id_card.pk}/"' in html
    # The reasons are for staff: a citizen asking for them (why=1) does not get them, nor the switch.
    assert "同义词：换身份证→居民身份证" not in html and 'data-testid="result-why"' not in html
    assert 'data-testid="why-toggle"' not in html
    # Citizen pages have no staff navigation.
    assert 'data-testid="citizen-navbar"' in html and "data-nav=" not in html


def test_search_page_empty_state_offers_examples(client: Client, catalogue: SimpleNamespace) -> None:
    html = client.get("/s/", {"q": "火星移民"}).content.decode()
    assert "没有找到“火星移民”对应的事项" in html
    assert 'data-testid="example"' in html and 'data-testid="closest-group"' in html
    assert 'data-testid="example"' in client.get("/s/").content.decode()


def test_suggestions_partial(client: Client, catalogue: SimpleNamespace) -> None:
    html = client.get("/s/suggest/", {"q": "sfz"}, HTTP_HX_REQUEST="true").content.decode()
    assert ID_CARD in html and 'data-testid="suggestion"' in html
    assert "<html" not in html
    assert client.get("/s/suggest/", {"q": ""}).content.decode().strip() == ""
    assert "没有找到相关事项" in client.get("/s/suggest/", {"q": "火星移民"}).content.decode()


def test_service_guide_shows_materials_limits_fees_delivery_and_points(
    client: Client,
    catalogue: SimpleNamespace,
    settings: Any,
    tmp_path: Path,
    django_assert_max_num_queries: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    w = catalogue.world
    item = catalogue.id_card
    Material.objects.create(
        item=item, position=1, name="居民户口簿", form="original", copies=1, required=True
    )
    Material.objects.create(
        item=item, position=2, name="近期免冠照片", form="original", copies=2, required=False,
        deferrable=True, notes="白底", blank_form=SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 test"),
    )  # fmt: skip
    Organisation.objects.filter(pk=w.point_a.pk).update(
        address="上海市浦东新区某路1号", contact_phone="021-12345678"
    )
    # A point that chose other items does not take this one; a point of another city never does.
    ProxyPointCatalog.objects.create(proxy_point=w.point_b, offers_all=False).items.set([catalogue.hukou])
    other_city = make_org(OrgKind.FEDERATION, "广安区工商联")
    other_chamber = make_org(OrgKind.CHAMBER, "广安在上海商会", other_city, city="上海")
    make_org(OrgKind.PROXY_POINT, "广安上海代办点", other_chamber)

    with django_assert_max_num_queries(8):
        response = client.get(f"/s/items/{item.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ID_CARD in html and "衢州市公安局" in html and "公共服务" in html
    assert "居民户口簿" in html and "近期免冠照片" in html and "2 份" in html
    assert "可容缺后补" in html and "白底" in html and 'data-testid="blank-form"' in html
    assert "60 自然日" in html and "20 自然日" in html
    assert "20.00 元" in html and "工本费20元" in html
    assert "邮寄送达、代办点自取" in html
    assert "衢州在上海商会" in html and "上海代办点" in html and "上海市浦东新区某路1号" in html
    assert "021-12345678" in html
    assert "龙游在杭州商会" not in html and "广安在上海商会" not in html
    assert f'href="/my/apply/?item={item.pk}"' in html

    # Points of every city by default; one city on request.
    response = client.get(f"/s/items/{catalogue.hukou.pk}/", {"city": "杭州"})
    html = response.content.decode()
    assert "龙游在杭州商会" in html and "衢州在上海商会" not in html
    html = client.get(f"/s/items/{catalogue.hukou.pk}/", {"city": "火星"}).content.decode()
    assert "龙游在杭州商会" in html and "衢州在上海商会" in html


def test_an_item_that_cannot_be_proxied_has_no_apply_button(
    client: Client, catalogue: SimpleNamespace
) -> None:
    item = catalogue.no_crime
    item.proxy_eligible = False
    item.save()
    html = client.get(f"/s/items/{item.pk}/").content.decode()
    assert 'data-testid="not-proxy"' in html
    assert "/my/apply/" not in html
    assert 'data-testid="no-materials"' in html


def test_hidden_and_missing_items_are_404(client: Client, catalogue: SimpleNamespace) -> None:
    assert client.get(f"/s/items/{catalogue.hidden.pk}/").status_code == 404
    assert client.get("/s/items/999999/").status_code == 404
    # Logged-in staff see the same citizen page: staff pages are elsewhere.
    client.force_login(catalogue.world.fed_admin)
    assert client.get(f"/s/items/{catalogue.hidden.pk}/").status_code == 404


def test_citizen_pages_carry_no_inline_script_or_style(client: Client, catalogue: SimpleNamespace) -> None:
    for url in ("/s/", "/s/?q=sfz", f"/s/items/{catalogue.id_card.pk}/"):
        response = client.get(url)
        html = response.content.decode()
        assert "Content-Security-Policy" in response.headers
        assert "<script>" not in html and "style=" not in html and " on" + "click=" not in html
