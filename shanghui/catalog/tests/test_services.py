"""Catalogue writes: versioning of items, the version a proxy case pins, synonyms, proxy point offers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shanghui.audit.models import AuditEntry
from shanghui.catalog import services
from shanghui.catalog.models import ItemVersion, ProxyPointCatalog, ServiceItem, Synonym
from shanghui.catalog.services import MaterialData, current_version, pin_version
from shanghui.catalog.tests.factories import make_item
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org

ID_CARD = MaterialData("居民身份证", "original", 1, True, False, "")
HUKOU = MaterialData("居民户口簿", "both", 1, True, False, "首页和本人页")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_create_writes_the_first_version_with_department_and_materials(world):
    item = make_item(
        world.dept, "居民身份证办理", legal_limit=60, legal_limit_unit="calendar", materials=[ID_CARD]
    )
    version = ItemVersion.objects.get(item=item)
    assert version.number == 1 and item.version == 1
    assert version.snapshot["department_name"] == "衢州市公安局"
    assert version.snapshot["item_type_label"] == "公共服务"
    assert version.snapshot["legal_limit"] == 60
    assert version.snapshot["materials"][0]["name"] == "居民身份证"
    assert AuditEntry.objects.filter(action="catalog.item.create", object_id=str(item.pk)).exists()


def test_a_citizen_visible_change_makes_a_new_version_and_keeps_the_old(world):
    item = make_item(world.dept, promised_limit=10, materials=[ID_CARD])
    pinned = current_version(item)

    services.update_item(actor=world.dept_admin, item=item, promised_limit=5, materials=[ID_CARD, HUKOU])

    item.refresh_from_db()
    assert item.version == 2
    assert pinned.number == 1
    pinned.refresh_from_db()
    assert pinned.snapshot["promised_limit"] == 10 and len(pinned.snapshot["materials"]) == 1
    newest = current_version(item)
    assert newest.number == 2 and newest.created_by == world.dept_admin
    assert newest.snapshot["promised_limit"] == 5 and len(newest.snapshot["materials"]) == 2
    assert [m.name for m in item.materials.order_by("position")] == ["居民身份证", "居民户口簿"]
    entry = AuditEntry.objects.filter(action="catalog.item.update").latest("seq")
    assert entry.detail["fields"] == ["materials", "promised_limit"] and entry.detail["version"] == 2


def test_saving_without_a_change_writes_nothing(world):
    item = make_item(world.dept, promised_limit=10, materials=[ID_CARD])
    stamp = item.updated_at
    audit = AuditEntry.objects.count()
    services.update_item(actor=None, item=item, promised_limit=10, materials=[ID_CARD])
    item.refresh_from_db()
    assert item.version == 1 and item.updated_at == stamp
    assert AuditEntry.objects.count() == audit


def test_going_offline_moves_updated_at_without_a_new_version(world):
    item = make_item(world.dept)
    stamp = item.updated_at
    services.update_item(actor=None, item=item, is_online=False)
    item.refresh_from_db()
    assert item.is_online is False and item.version == 1
    assert item.updated_at > stamp
    assert ItemVersion.objects.filter(item=item).count() == 1


def test_every_write_moves_updated_at(world):
    item = make_item(world.dept)
    stamps = [item.updated_at]
    for name in ("改名一", "改名二"):
        services.update_item(actor=None, item=item, name=name)
        item.refresh_from_db()
        stamps.append(item.updated_at)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_a_stale_edit_is_refused(world):
    item = make_item(world.dept)
    services.update_item(actor=None, item=item, name="别人先改了", expected_version=1)
    with pytest.raises(services.StaleEdit, match="已被他人修改"):
        services.update_item(actor=None, item=item, name="我后改", expected_version=1)
    assert ServiceItem.objects.get(pk=item.pk).name == "别人先改了"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"legal_limit": 5, "promised_limit": 10}, "承诺时限不能超过法定时限"),
        ({"delivery_methods": ["pigeon"]}, "未知的送达方式"),
        ({"region_codes": ["3308"]}, "行政区划代码应为6位数字"),
    ],
)
def test_invalid_items_are_refused_in_chinese(world, fields, message):
    with pytest.raises(ValidationError, match=message):
        make_item(world.dept, **fields)
    assert not ServiceItem.objects.exists()


def test_items_belong_to_departments_only(world):
    with pytest.raises(ValidationError, match="部门"):
        make_item(world.chamber_a)


def test_current_version_is_created_for_an_item_without_one(world):
    item = make_item(world.dept, materials=[ID_CARD])
    ItemVersion.objects.all().delete()
    version = pin_version(item)
    assert version.number == 1 and version.snapshot["materials"][0]["name"] == "居民身份证"
    assert pin_version(item) == version


def test_reading_the_current_version_writes_nothing(world):
    item = make_item(world.dept, materials=[ID_CARD])
    ItemVersion.objects.all().delete()
    shown = current_version(item)
    assert shown.pk is None and shown.number == 1
    assert shown.snapshot["materials"][0]["name"] == "居民身份证"
    assert not ItemVersion.objects.exists()
    pinned = pin_version(item)
    assert current_version(item) == pinned and ItemVersion.objects.count() == 1


def test_history_is_completed_when_an_item_had_no_version(world):
    item = make_item(world.dept, promised_limit=3)
    ItemVersion.objects.all().delete()
    services.update_item(actor=None, item=item, promised_limit=2)
    assert list(
        ItemVersion.objects.filter(item=item).order_by("number").values_list("number", flat=True)
    ) == [1, 2]
    assert ItemVersion.objects.get(item=item, number=1).snapshot["promised_limit"] == 3


def test_a_blank_form_upload_is_stored_and_versioned(world):
    item = make_item(world.dept, materials=[ID_CARD])
    upload = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 blank form", content_type="application/pdf")
    with_form = MaterialData("申请表", "original", 1, True, False, "", upload)
    services.update_item(actor=None, item=item, materials=[ID_CARD, with_form])
    material = item.materials.get(name="申请表")
    assert material.blank_form.name.startswith("catalog/forms/")
    assert current_version(item).snapshot["materials"][1]["blank_form"] == material.blank_form.name


# --- synonyms ---------------------------------------------------------------------------------------


def test_synonyms_are_created_changed_and_deleted_with_an_audit_trail(world):
    synonym = services.create_synonym(actor=world.fed_admin, phrase=" 换身份证 ", terms="居民身份证   办理")
    assert (synonym.phrase, synonym.terms, synonym.updated_by) == (
        "换身份证",
        "居民身份证 办理",
        world.fed_admin,
    )
    before = synonym.updated_at

    services.update_synonym(actor=world.fed_admin, synonym=synonym, terms="居民身份证 换领")
    synonym.refresh_from_db()
    assert synonym.terms == "居民身份证 换领" and synonym.updated_at > before

    services.delete_synonym(actor=world.fed_admin, synonym=synonym)
    assert not Synonym.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="catalog.synonym")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["catalog.synonym.create", "catalog.synonym.update", "catalog.synonym.delete"]


def test_a_phrase_can_be_there_only_once(world):
    services.create_synonym(actor=None, phrase="sbk", terms="社会保障卡")
    with pytest.raises(ValidationError, match="这个说法已经有了"):
        services.create_synonym(actor=None, phrase="sbk", terms="社保卡")


# --- proxy point offers --------------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    guangan = make_org(OrgKind.FEDERATION, "广安市广安区工商联", region_code="511602")
    elsewhere = make_org(OrgKind.DEPARTMENT, "区公安分局", guangan)
    return {
        "id_card": make_item(world.dept, "居民身份证办理"),
        "pension": make_item(world.dept2, "养老保险关系转移"),
        "licence": make_item(world.dept, "旅馆业特种行业许可", proxy_eligible=False),
        "offline": make_item(world.dept, "已下线事项", is_online=False),
        "other_city": make_item(elsewhere, "广安的事项"),
    }


def test_a_point_offers_every_online_proxy_eligible_item_of_its_city_by_default(world, catalogue):
    offered = set(services.items_offered_by(world.point_a))
    assert offered == {catalogue["id_card"], catalogue["pension"]}


def test_a_point_may_choose_its_items(world, catalogue):
    services.set_point_offer(
        actor=world.agent, point=world.point_a, offers_all=False, items=[catalogue["pension"]]
    )
    assert list(services.items_offered_by(world.point_a)) == [catalogue["pension"]]
    assert set(services.items_offered_by(world.point_b)) == {catalogue["id_card"], catalogue["pension"]}
    # A chosen item that goes offline is no longer offered.
    services.update_item(actor=None, item=catalogue["pension"], is_online=False)
    assert not services.items_offered_by(world.point_a).exists()
    assert AuditEntry.objects.filter(action="catalog.offer.update", object_id=str(world.point_a.pk)).exists()


@pytest.mark.parametrize("key", ["licence", "offline", "other_city"])
def test_a_point_cannot_choose_items_it_may_not_take(world, catalogue, key):
    with pytest.raises(ValidationError, match="不可代办、已下线或不属于本地目录"):
        services.set_point_offer(actor=None, point=world.point_a, offers_all=False, items=[catalogue[key]])
    assert not ProxyPointCatalog.objects.exists()


def test_choosing_nothing_is_refused(world, catalogue):
    with pytest.raises(ValidationError, match="请至少选择一个事项"):
        services.set_point_offer(actor=None, point=world.point_a, offers_all=False, items=[])


def test_back_to_offering_all(world, catalogue):
    services.set_point_offer(actor=None, point=world.point_a, offers_all=False, items=[catalogue["pension"]])
    settings = services.set_point_offer(actor=None, point=world.point_a, offers_all=True)
    assert settings.offers_all and not settings.items.exists()
    assert services.items_offered_by(world.point_a).count() == 2


def test_updated_at_of_items_is_aware(world):
    item = make_item(world.dept)
    assert item.updated_at.tzinfo is not None and item.updated_at.utcoffset() == dt.timedelta(0)
