"""The catalogue part of the demo: both catalogues, through the importer, idempotent."""

from __future__ import annotations

import io

import pytest

from shanghui.catalog import demo
from shanghui.catalog.data import quzhou
from shanghui.catalog.models import ItemVersion, ServiceItem
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.tests.factories import make_org


@pytest.fixture
def quzhou_city(db):
    city = make_org(OrgKind.FEDERATION, "衢州市工商联", region_code="330800")
    # The organisation demo makes the fifteen departments; one is left out to show it is created.
    for dept in quzhou.DEPARTMENTS[:-1]:
        make_org(OrgKind.DEPARTMENT, dept.name, city, region_code="330800")
    return city


def test_demo_loads_both_catalogues_and_a_second_run_changes_nothing(quzhou_city):
    out = io.StringIO()
    demo.load(out)

    if demo.data_dir().joinpath("catalog_guangan.csv").is_file():  # the shared data beside the checkout
        guangan = Organisation.objects.get(name=demo.GUANGAN_FEDERATION, parent=None)
        assert (guangan.federation_level, guangan.region_code) == ("county", "511602")
        assert ServiceItem.objects.filter(department__path__startswith=guangan.path).count() == 1135
        assert Organisation.objects.filter(kind=OrgKind.DEPARTMENT, parent=guangan).count() == 34
    quzhou_items = ServiceItem.objects.filter(department__path__startswith=quzhou_city.path)
    assert quzhou_items.count() == 505
    assert quzhou_items.values("department").distinct().count() == 15
    assert Organisation.objects.filter(kind=OrgKind.DEPARTMENT, parent=quzhou_city).count() == 15
    id_card = quzhou_items.get(name="居民身份证办理（包括临时）")
    assert id_card.proxy_eligible and id_card.promised_limit == 20 and id_card.materials.count() == 3
    assert len(id_card.region_codes) == 6
    assert quzhou_items.filter(name="异地长期居住人员备案", proxy_eligible=True).exists()
    assert "衢州市事项目录：505 个事项，新增 505" in out.getvalue()
    versions = ItemVersion.objects.count()

    again = io.StringIO()
    demo.load(again)
    assert "新增 0、更新 0、未变 505" in again.getvalue()
    assert ItemVersion.objects.count() == versions


def test_demo_says_what_it_skips(db, settings, tmp_path):
    settings.BASE_DIR = tmp_path / "main"
    out = io.StringIO()
    demo.load(out)
    assert "未找到广安目录文件" in out.getvalue()
    assert "未找到“衢州市工商联”" in out.getvalue()
    assert not ServiceItem.objects.exists()


def test_quzhou_rows_are_deterministic_and_unique():
    rows = quzhou.rows()
    assert rows == quzhou.rows()
    assert len(rows) == 505 == len({r["item_code"] for r in rows})
    assert all(r["item_code"].count("-") == 5 for r in rows)
