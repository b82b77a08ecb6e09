"""Staff catalogue pages: who sees what, the list and its export, item edit with materials, synonyms,
import with progress and report, proxy point offers."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from shanghui.audit.models import AuditEntry
from shanghui.catalog import services
from shanghui.catalog.models import ImportJob, ItemVersion, ProxyPointCatalog, ServiceItem, Synonym
from shanghui.catalog.services import MaterialData
from shanghui.catalog.tasks import import_catalogue
from shanghui.catalog.tests.factories import FULL_HEADER, csv_bytes, full_row, make_item, xlsx_bytes
from shanghui.catalog.transfer.importing import import_file
from shanghui.catalog.transfer.jobs import run_import
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org

LIST = reverse("catalog:item_list")
READERS = [
    "fed_admin", "fed_staff", "county_admin", "chamber_admin", "chamber_staff", "agent", "agent_b", "dept_admin",
    "clerk", "auditor",
]  # fmt: skip
NOBODIES = ["outsider", "mediator", "lecturer", "party_officer"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def items(world):
    return {
        "id_card": make_item(
            world.dept, "居民身份证办理（包括临时）", promised_limit=20, promised_limit_unit="calendar",
            materials=[MaterialData("居民户口簿"), MaterialData("近期照片", copies=2, notes="白底二寸")],
        ),
        "pension": make_item(world.dept2, "企业职工基本养老保险关系转移接续申请", item_type="20"),
        "licence": make_item(world.dept, "旅馆业特种行业许可证核发", item_type="1", proxy_eligible=False),
    }  # fmt: skip


def sheet_of(data: bytes) -> Worksheet:
    sheet = load_workbook(BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def as_user(client, user):
    client.force_login(user)
    return client


# --- who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", READERS)
def test_staff_who_work_with_the_catalogue_read_it(client, world, items, persona):
    response = as_user(client, getattr(world, persona)).get(LIST)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    detail = client.get(reverse("catalog:item_detail", args=[items["id_card"].pk]))
    assert detail.status_code == 200
    assert "居民户口簿" in detail.content.decode()


@pytest.mark.parametrize("persona", NOBODIES)
@pytest.mark.parametrize(
    "url",
    [LIST, reverse("catalog:item_export"), reverse("catalog:item_create"), reverse("catalog:import_start"),
     reverse("catalog:synonym_list"), reverse("catalog:import_template")],
)  # fmt: skip
def test_everyone_else_gets_404(client, world, items, persona, url):
    assert as_user(client, getattr(world, persona)).get(url).status_code == 404
    assert client.get(reverse("catalog:item_detail", args=[items["id_card"].pk])).status_code == 404
    assert client.get(reverse("catalog:item_edit", args=[items["id_card"].pk])).status_code == 404


@pytest.mark.parametrize("url", [LIST, reverse("catalog:import_start"), reverse("catalog:synonym_list")])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_items_of_another_city_are_not_visible(client, world, items):
    guangan = make_org(OrgKind.FEDERATION, "广安市广安区工商联", region_code="511602")
    elsewhere = make_item(make_org(OrgKind.DEPARTMENT, "区公安分局", guangan), "广安的事项")
    as_user(client, world.fed_admin)
    assert client.get(LIST).context["page"].paginator.count == 3
    assert client.get(reverse("catalog:item_detail", args=[elsewhere.pk])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "item", "status"),
    [
        ("fed_admin", "id_card", 200), ("fed_admin", "pension", 200), ("dept_admin", "id_card", 200),
        ("dept_admin", "pension", 403), ("county_admin", "id_card", 403), ("agent", "id_card", 403),
        ("clerk", "id_card", 403), ("chamber_admin", "id_card", 403), ("auditor", "id_card", 403),
        ("fed_staff", "id_card", 403), ("outsider", "id_card", 404),
    ],
)  # fmt: skip
def test_who_edits_an_item(client, world, items, persona, item, status):
    url = reverse("catalog:item_edit", args=[items[item].pk])
    assert as_user(client, getattr(world, persona)).get(url).status_code == status
    if status != 200:
        assert client.post(url, {"name": "改了"}).status_code == status
        assert ServiceItem.objects.get(pk=items[item].pk).name != "改了"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("fed_admin", 200), ("dept_admin", 200), ("county_admin", 403), ("agent", 403), ("auditor", 403)],
)
def test_who_creates_items(client, world, persona, status):
    assert as_user(client, getattr(world, persona)).get(reverse("catalog:item_create")).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("fed_admin", 200), ("county_admin", 200), ("dept_admin", 403), ("agent", 403), ("auditor", 403)],
)
def test_who_imports(client, world, persona, status):
    assert as_user(client, getattr(world, persona)).get(reverse("catalog:import_start")).status_code == status


def test_edit_links_follow_the_rights(client, world, items):
    html = (
        as_user(client, world.agent).get(reverse("catalog:item_detail", args=[items["id_card"].pk])).content
    )
    assert b'data-testid="item-edit"' not in html
    html = (
        as_user(client, world.dept_admin)
        .get(reverse("catalog:item_detail", args=[items["id_card"].pk]))
        .content
    )
    assert b'data-testid="item-edit"' in html


# --- the list ---------------------------------------------------------------------------------------


def test_filters(client, world, items):
    as_user(client, world.fed_admin)

    def names(**params):
        return sorted(i.name for i in client.get(LIST, params).context["items"])

    assert names(q="身份证") == ["居民身份证办理（包括临时）"]
    assert names(q=items["pension"].code[:10]) == ["企业职工基本养老保险关系转移接续申请"]
    assert names(department=world.dept2.pk) == ["企业职工基本养老保险关系转移接续申请"]
    assert names(item_type="1") == ["旅馆业特种行业许可证核发"]
    assert names(proxy="0") == ["旅馆业特种行业许可证核发"]
    services.update_item(actor=None, item=items["licence"], is_online=False)
    assert names(online="0") == ["旅馆业特种行业许可证核发"]
    assert len(names(online="1", proxy="1")) == 2


def test_list_queries_do_not_grow_with_the_items(client, world, items, settings):
    settings.PAGE_SIZE = 50
    as_user(client, world.agent)
    client.get(LIST)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for n in range(30):
        make_item(world.dept if n % 2 else world.dept2, f"更多的事项{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(response.context["items"]) == 33
    assert len(many) == len(few) <= 12


# --- export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_export_reimports_with_no_changes(client, world, items, settings, language):
    # The file is in Chinese whatever language the page is shown in.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    services.update_item(
        actor=None, item=items["id_card"], legal_limit=60, legal_limit_unit="calendar", fee_yuan="20.50",
        fee_note="工本费", delivery_methods=["post", "electronic"], region_codes=["330802"],
        description="=以等号开头的说明", materials=[MaterialData("居民户口簿", "both", 2, False, True, "首页; 本人页")],
    )  # fmt: skip
    response = as_user(client, world.fed_admin).get(reverse("catalog:item_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = sheet_of(data)
    assert [c.value for c in sheet[1]] == FULL_HEADER
    assert sheet.max_row == 4
    entry = AuditEntry.objects.filter(action="catalog.export").latest("seq")
    assert entry.detail["rows"] == 3 and entry.actor_id == world.fed_admin.pk

    result = import_file(data, owner=world.city, actor=None, mode="all")
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert ItemVersion.objects.count() == 4


def test_export_follows_the_filters(client, world, items):
    response = as_user(client, world.auditor).get(
        reverse("catalog:item_export"), {"department": world.dept2.pk}
    )
    sheet = sheet_of(b"".join(response.streaming_content))
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "企业职工基本养老保险关系转移接续申请"
    ]


# --- create and edit with materials ----------------------------------------------------------------------


def form_data(item=None, materials=(), **overrides):
    data = {
        "department": item.department_id if item else "", "name": item.name if item else "",
        "code": item.code if item else "", "item_type": item.item_type if item else "20", "group_name": "",
        "description": "", "conditions": "", "legal_limit": "", "legal_limit_unit": "working",
        "promised_limit": "", "promised_limit_unit": "working", "fee_yuan": "0", "fee_note": "",
        "proxy_eligible": "on", "region_codes": "", "is_online": "on", "version": item.version if item else "",
        "materials-TOTAL_FORMS": str(len(materials)), "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0", "materials-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for i, material in enumerate(materials):
        for key, value in material.items():
            data[f"materials-{i}-{key}"] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_department_admin_creates_an_item_with_materials(client, world):
    as_user(client, world.dept_admin)
    data = form_data(
        department=world.dept.pk, name="无犯罪记录证明", code="330B0116800003-330800000000-000-1-00",
        promised_limit="1", legal_limit="3", delivery_methods=["electronic", "post"],
        materials=[{"name": "居民身份证", "form": "original", "copies": "1", "required": "on"},
                   {"name": "", "form": "original", "copies": "1", "required": "on"}],
    )  # fmt: skip
    # The second row is an added row left as the browser shows it (the defaults): ignored.
    data["materials-INITIAL_FORMS"] = "0"
    response = client.post(reverse("catalog:item_create"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    item = ServiceItem.objects.get(name="无犯罪记录证明")
    assert item.department == world.dept and item.delivery_methods == ["post", "electronic"]
    assert [m.name for m in item.materials.all()] == ["居民身份证"]
    assert item.versions.get().created_by == world.dept_admin


def test_edit_replaces_materials_and_makes_a_new_version(client, world, items):
    item = items["id_card"]
    as_user(client, world.fed_admin)
    page = client.get(reverse("catalog:item_edit", args=[item.pk]))
    assert page.context["formset"].total_form_count() == 2
    data = form_data(
        item,
        promised_limit="15",
        promised_limit_unit="calendar",
        materials=[
            {"name": "居民户口簿", "form": "original", "copies": "1", "required": "on"},
            {"name": "近期照片", "form": "original", "copies": "2", "notes": "白底二寸", "DELETE": "on"},
            {"name": "原居民身份证", "form": "original", "copies": "1", "notes": "换领时交回"},
        ],
    )
    data["materials-INITIAL_FORMS"] = "2"
    response = client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.version == 2 and item.promised_limit == 15
    assert [(m.name, m.required) for m in item.materials.order_by("position")] == [
        ("居民户口簿", True),
        ("原居民身份证", False),
    ]
    assert ItemVersion.objects.get(item=item, number=1).snapshot["materials"][1]["name"] == "近期照片"
    detail = client.get(reverse("catalog:item_detail", args=[item.pk])).content.decode()
    assert "修改了：申请材料、承诺时限" in detail or "修改了：承诺时限、申请材料" in detail


def test_edit_errors_are_in_chinese_and_change_nothing(client, world, items):
    item = items["id_card"]
    as_user(client, world.fed_admin)
    data = form_data(
        item, legal_limit="5", promised_limit="10",
        materials=[{"name": "", "form": "original", "copies": "0", "notes": "x"}],
    )  # fmt: skip
    data["materials-INITIAL_FORMS"] = "1"
    response = client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "承诺时限不能超过法定时限（5天）" in html
    assert "请填写材料名称" in html
    assert "份数至少为1" in html
    item.refresh_from_db()
    assert item.version == 1 and item.promised_limit == 20


def test_a_concurrent_edit_is_a_409(client, world, items):
    item = items["id_card"]
    services.update_item(actor=None, item=item, name="别人改过了")
    as_user(client, world.fed_admin)
    data = form_data(item, name="我的修改", version="1")
    response = client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    assert ServiceItem.objects.get(pk=item.pk).name == "别人改过了"


def test_a_blank_form_must_be_a_document(client, world, items):
    item = items["pension"]
    as_user(client, world.fed_admin)
    data = form_data(
        item, materials=[{"name": "申请表", "form": "original", "copies": "1", "required": "on"}]
    )
    data["materials-0-blank_form"] = SimpleUploadedFile("申请表.pdf", b"\x89PNG not a pdf")
    response = client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert "空白表格应为 PDF、Word 或 Excel 文件" in response.content.decode()
    data["materials-0-blank_form"] = SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 a form")
    assert client.post(reverse("catalog:item_edit", args=[item.pk]), data).status_code == 302
    material = item.materials.get()
    assert material.blank_form.name.startswith("catalog/forms/")
    # Saved again without a new upload: the stored form stays (its name comes back in a hidden field).
    data = form_data(ServiceItem.objects.get(pk=item.pk), materials=[
        {"name": "申请表", "form": "original", "copies": "1", "required": "on",
         "existing_blank_form": material.blank_form.name},
    ])  # fmt: skip
    data["materials-INITIAL_FORMS"] = "1"
    client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert item.materials.get().blank_form.name == material.blank_form.name


def test_a_hidden_field_cannot_point_at_someone_elses_file(client, world, items):
    item = items["pension"]
    as_user(client, world.fed_admin)
    data = form_data(item, materials=[
        {"name": "申请表", "form": "original", "copies": "1", "existing_blank_form": "catalog/forms/other.pdf"},
    ])  # fmt: skip
    client.post(reverse("catalog:item_edit", args=[item.pk]), data)
    assert item.materials.get().blank_form.name == ""


def test_a_code_already_used_is_refused(client, world, items):
    as_user(client, world.fed_admin)
    data = form_data(items["pension"], code=items["id_card"].code)
    response = client.post(reverse("catalog:item_edit", args=[items["pension"].pk]), data)
    assert "该实施编码已被其他事项使用" in response.content.decode()


def test_version_page_shows_the_old_content(client, world, items):
    item = items["id_card"]
    services.update_item(actor=None, item=item, promised_limit=10)
    as_user(client, world.agent)
    response = client.get(reverse("catalog:item_version", args=[item.pk, 1]))
    assert response.status_code == 200
    assert response.context["snapshot"]["promised_limit"] == 20
    assert client.get(reverse("catalog:item_version", args=[item.pk, 9])).status_code == 404


# --- synonyms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "list_status", "edit_status"),
    [("fed_admin", 200, 200), ("county_admin", 200, 200), ("fed_staff", 200, 403), ("auditor", 200, 403),
     ("agent", 404, 404), ("dept_admin", 404, 404), ("outsider", 404, 404)],
)  # fmt: skip
def test_who_manages_synonyms(client, world, persona, list_status, edit_status):
    synonym = services.create_synonym(actor=None, phrase="sbk", terms="社会保障卡")
    as_user(client, getattr(world, persona))
    assert client.get(reverse("catalog:synonym_list")).status_code == list_status
    assert client.get(reverse("catalog:synonym_create")).status_code == edit_status
    assert client.get(reverse("catalog:synonym_edit", args=[synonym.pk])).status_code == edit_status
    response = client.post(reverse("catalog:synonym_delete", args=[synonym.pk]))
    assert response.status_code == (302 if edit_status == 200 else edit_status)


def test_synonym_pages(client, world):
    as_user(client, world.fed_admin)
    response = client.post(
        reverse("catalog:synonym_create"),
        {"phrase": "换身份证", "terms": "居民身份证 办理", "is_active": "on"},
    )
    assert response.status_code == 302
    synonym = Synonym.objects.get()
    assert synonym.updated_by == world.fed_admin
    duplicate = client.post(reverse("catalog:synonym_create"), {"phrase": "换身份证", "terms": "身份证"})
    assert "这个说法已经有了" in duplicate.content.decode()
    client.post(
        reverse("catalog:synonym_edit", args=[synonym.pk]), {"phrase": "换身份证", "terms": "居民身份证 换领"}
    )
    synonym.refresh_from_db()
    assert synonym.terms == "居民身份证 换领" and synonym.is_active is False
    listing = client.get(reverse("catalog:synonym_list"), {"q": "换领"})
    assert listing.context["synonyms"] == [synonym]
    assert client.get(reverse("catalog:synonym_delete", args=[synonym.pk])).status_code == 405


# --- import -----------------------------------------------------------------------------------------


def upload(client, data: bytes, name="目录.csv", mode="all", owner=None):
    payload = {"file": SimpleUploadedFile(name, data), "mode": mode}
    if owner is not None:
        payload["owner"] = owner.pk
    return client.post(reverse("catalog:import_start"), payload)


def test_upload_queues_a_job_and_its_page_shows_the_result(client, world, django_capture_on_commit_callbacks):
    as_user(client, world.fed_admin)
    data = csv_bytes(
        [
            ["衢州市公安局", "未分类", "居民身份证办理", "QZ-1", "20"],
            ["衢州市民政局", "", "结婚登记", "QZ-2", "7"],
        ]
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, data, owner=world.city)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalog:import_job", args=[job.pk]
    )
    assert not callbacks  # the task's row was written with the job, in the same transaction
    assert DBTaskResult.objects.get(task_path=import_catalogue.module_path).args_kwargs["args"] == [job.pk]
    assert (job.owner, job.created_by, job.status, job.original_name) == (
        world.city,
        world.fed_admin,
        "pending",
        "目录.csv",
    )

    # While it waits, the status block polls.
    waiting = client.get(reverse("catalog:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    assert "排队中" in waiting.content.decode()

    run_import(job.pk)

    page = client.get(reverse("catalog:import_job", args=[job.pk]))
    html = page.content.decode()
    assert "hx-trigger" not in html
    assert "新增 2 个事项" in html
    assert ServiceItem.objects.filter(department=world.dept).count() == 1
    assert set(AuditEntry.objects.filter(action__startswith="catalog.import").values_list("action", flat=True)) == {
        "catalog.import.start", "catalog.import",
    }  # fmt: skip


def test_progress_is_shown_while_running(client, world):
    job = ImportJob.objects.create(
        original_name="大文件.xlsx", owner=world.city, created_by=world.fed_admin, status="running",
        total_rows=12_000, processed_rows=3_000, file="catalog/imports/x.xlsx",
    )  # fmt: skip
    html = as_user(client, world.fed_admin).get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert 'value="25"' in html and "已校验 3000 / 12000 行" in html and "every 1s" in html
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=12_000)
    html = client.get(
        reverse("catalog:import_job", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "正在写入数据库" in html


def test_a_bad_file_shows_each_bad_row_and_a_downloadable_report(client, world):
    as_user(client, world.fed_admin)
    rows = [
        full_row(item_code="A-1"),
        full_row(item_code="A-2", task_type="3"),
        full_row(item_code="A-1", name="重复"),
    ]
    upload(client, xlsx_bytes(rows, FULL_HEADER), name="目录.xlsx", owner=world.city)
    job = ImportJob.objects.get()
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.created_count == 0
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "事项类型"), (4, "实施编码")]
    html = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "没有导入任何数据" in html and "实施编码与第 2 行重复" in html
    report = client.get(reverse("catalog:import_report", args=[job.pk]))
    report_rows = list(sheet_of(b"".join(report.streaming_content)).iter_rows(values_only=True))
    assert report_rows[0] == ("行号", "列", "单元格内容", "错误原因")
    assert [r[0] for r in report_rows[1:]] == [3, 4]
    assert not ServiceItem.objects.exists()


def test_a_picture_named_xlsx_is_refused_with_a_clear_message(client, world):
    as_user(client, world.fed_admin)
    upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="目录.xlsx", owner=world.city)
    job = run_import(ImportJob.objects.get().pk)
    assert job.status == "failed"
    html = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "文件不是 Excel（.xlsx）或 CSV 表格" in html


def test_an_empty_upload_is_refused_by_the_form(client, world):
    as_user(client, world.fed_admin)
    response = upload(client, b"")
    assert response.status_code == 200 and "文件是空的" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_job_runs_once(client, world):
    as_user(client, world.fed_admin)
    upload(client, csv_bytes([["衢州市公安局", "", "事项", "R-1", "20"]]), owner=world.city)
    job = ImportJob.objects.get()
    run_import(job.pk)
    run_import(job.pk)
    assert AuditEntry.objects.filter(action="catalog.import").count() == 1


def test_import_owner_must_be_administered(client, world):
    as_user(client, world.county_admin)
    response = upload(client, csv_bytes([["x", "", "y", "Z-1", "1"]]), owner=world.city)
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_job_pages_are_for_the_federation_admins(client, world):
    job = ImportJob.objects.create(
        original_name="a.csv", owner=world.city, created_by=world.fed_admin, file="x"
    )
    url = reverse("catalog:import_job", args=[job.pk])
    assert as_user(client, world.fed_admin).get(url).status_code == 200
    assert as_user(client, world.county_admin).get(url).status_code == 404
    assert as_user(client, world.agent).get(url).status_code == 404


def test_the_template_imports_as_it_is(client, world):
    response = as_user(client, world.fed_admin).get(reverse("catalog:import_template"))
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["事项目录", "填写说明"]
    assert [c.value for c in workbook["事项目录"][1]] == FULL_HEADER
    instructions = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value)
    assert "材料名称[属性,属性,…]" in instructions
    result = import_file(response.content, owner=world.city, actor=None, mode="all")
    assert result.errors == [] and result.created == 2


# --- proxy point offers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [("agent", 200, 302), ("chamber_admin", 200, 302), ("fed_admin", 200, 302), ("chamber_staff", 200, 403),
     ("auditor", 200, 403), ("agent_b", 404, 404), ("county_admin", 404, 404), ("outsider", 404, 404)],
)  # fmt: skip
def test_who_sets_a_points_offer(client, world, items, persona, get_status, post_status):
    url = reverse("catalog:point_settings", args=[world.point_a.pk])
    as_user(client, getattr(world, persona))
    assert client.get(url).status_code == get_status
    response = client.post(url, {"offers": "chosen", "items": [items["pension"].pk]})
    assert response.status_code == post_status
    assert ProxyPointCatalog.objects.exists() == (post_status == 302)


def test_point_settings_page(client, world, items):
    url = reverse("catalog:point_settings", args=[world.point_a.pk])
    as_user(client, world.agent)
    page = client.get(url)
    assert [i.name for g in page.context["groups"] for i, _ in g["items"]] == [
        "居民身份证办理（包括临时）", "企业职工基本养老保险关系转移接续申请",
    ]  # fmt: skip
    assert "请至少选择一个事项" in client.post(url, {"offers": "chosen"}).content.decode()
    client.post(url, {"offers": "chosen", "items": [items["id_card"].pk]})
    assert list(services.items_offered_by(world.point_a)) == [items["id_card"]]
    listing = client.get(reverse("catalog:point_list"))
    assert listing.status_code == 200 and "选中的 1 个事项" in listing.content.decode()
    refused = client.post(url, {"offers": "chosen", "items": [items["licence"].pk]})
    assert "不可代办或已下线" in refused.content.decode()


def test_point_list_is_for_people_with_points(client, world):
    assert as_user(client, world.outsider).get(reverse("catalog:point_list")).status_code == 404
    assert as_user(client, world.dept_admin).get(reverse("catalog:point_list")).status_code == 404
    points = as_user(client, world.fed_admin).get(reverse("catalog:point_list")).context["rows"]
    assert {p.name for p, _, _ in points} == {"上海代办点", "杭州代办点"}


def test_the_import_page_takes_what_people_write_and_names_each_bad_cell(client, world):
    as_user(client, world.fed_admin)
    page = client.get(reverse("catalog:import_start")).content.decode()
    assert "“2份”或“两份”“二份”都可以" in page and "区县名称（如“柯城区”或“柯城”）" in page
    good = xlsx_bytes(
        [full_row(item_code="P-1", counties="柯城区;龙游", materials="居民户口簿[复印件,两份]")], FULL_HEADER
    )
    job = run_import(
        ImportJob.objects.get(pk=_job_id(upload(client, good, "目录.xlsx", owner=world.city))).pk
    )
    assert job.status == "succeeded"
    item = ServiceItem.objects.get(code="P-1")
    assert item.region_codes == ["330802", "330825"]
    assert [m.copies for m in item.materials.all()] == [2]

    bad = xlsx_bytes(
        [full_row(item_code="P-2"), full_row(item_code="P-3", counties="柯城区;西湖区")], FULL_HEADER
    )
    job = run_import(ImportJob.objects.get(pk=_job_id(upload(client, bad, "目录.xlsx", owner=world.city))).pk)
    html = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
    assert "“西湖区”不是本市的区县名称，也不是6位行政区划代码" in html
    assert job.errors == [
        {"row": 3, "column": "办理区县", "message": "“西湖区”不是本市的区县名称，也不是6位行政区划代码",
         "value": "柯城区;西湖区"},
    ]  # fmt: skip
    assert not ServiceItem.objects.filter(code__in=["P-2", "P-3"]).exists()  # all or nothing


def _job_id(response) -> int:
    assert response.status_code == 302
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])
