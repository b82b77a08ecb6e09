"""Catalogue import: both shapes, CSV in every encoding and XLSX, row checks with Chinese messages,
all-or-nothing and good-rows modes, re-import by code, and files that are not tables."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from shanghui.audit.models import AuditEntry
from shanghui.catalog.models import ItemVersion, Material, ServiceItem
from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import FULL_HEADER, csv_bytes, full_row, xlsx_bytes
from shanghui.catalog.transfer.columns import ImportFileError
from shanghui.catalog.transfer.importing import import_file
from shanghui.catalog.transfer.materials import format_materials, parse_materials
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.orgs.tests.factories import make_org

ALL = "all"
GOOD = "good"

GUANGAN_ROWS = [
    [
        "区公安分局",
        "未分类",
        "居民身份证办理（包括临时）",
        "513A0011200068-511602000000-000-1151130000877869M-1-00",
        "20",
    ],
    ["区公安分局", "未分类", "户口迁移审批", "511A0147300000-511602000000-000-11511300008778693M-1-00", "1"],
    ["区人社局", "未分类", "社会保障卡申领", "512B0070200003-511602000000-000-1151130108778239R-1-00", "20"],
    [
        "区民政局",
        "婚姻登记",
        "中国内地公民婚姻登记",
        "511F0287300000-511602000000-000-11511301008778298W-1-00",
        "7",
    ],
]


@pytest.fixture
def owner(db: None) -> Organisation:
    return make_org(OrgKind.FEDERATION, "广安市广安区工商联", region_code="511602")


def run(data: bytes, owner: Organisation, mode: str = ALL):
    return import_file(data, owner=owner, actor=None, mode=mode)


def messages(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


# --- good files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_guangan_shape_csv_in_every_encoding(owner, encoding):
    result = run(csv_bytes(GUANGAN_ROWS, encoding=encoding), owner)

    assert result.applied and result.errors == []
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    item = ServiceItem.objects.get(code=GUANGAN_ROWS[3][3])
    assert item.name == "中国内地公民婚姻登记"
    assert item.item_type == "7"
    assert item.group_name == "婚姻登记"
    # The portal's "未分类" means no parent item.
    assert ServiceItem.objects.get(code=GUANGAN_ROWS[0][3]).group_name == ""
    # Departments found or created under the owner, with the owner's region.
    departments = Organisation.objects.filter(kind=OrgKind.DEPARTMENT, parent=owner)
    assert sorted(d.name for d in departments) == ["区人社局", "区公安分局", "区民政局"]
    assert {d.region_code for d in departments} == {"511602"}
    assert result.departments_created == ["区公安分局", "区人社局", "区民政局"]
    # Every new item has its first version.
    assert ItemVersion.objects.filter(number=1).count() == 4


def test_guangan_shape_xlsx(owner):
    result = run(xlsx_bytes(GUANGAN_ROWS), owner)
    assert result.applied and result.created == 4


def test_existing_departments_are_found_by_name_or_short_name(owner):
    police = make_org(OrgKind.DEPARTMENT, "广安市公安局广安区分局", owner, short_name="区公安分局")
    run(csv_bytes(GUANGAN_ROWS[:2]), owner)
    assert set(ServiceItem.objects.values_list("department", flat=True)) == {police.pk}
    assert Organisation.objects.filter(kind=OrgKind.DEPARTMENT).count() == 1


def test_full_template_stores_every_field(owner):
    result = run(xlsx_bytes([full_row()], FULL_HEADER), owner)

    assert result.applied, messages(result)
    item = ServiceItem.objects.get()
    assert item.department.name == "衢州市公安局"
    assert (item.legal_limit, item.legal_limit_unit, item.promised_limit, item.promised_limit_unit) == (
        60, "calendar", 20, "calendar",
    )  # fmt: skip
    assert item.fee_yuan == Decimal("20.00") and item.fee_note == "工本费20元"
    assert item.delivery_methods == ["post", "pickup"]
    assert item.proxy_eligible is True and item.is_online is True
    assert item.region_codes == ["330802", "330825"]
    assert item.description.startswith("首次申领")
    materials = list(item.materials.order_by("position"))
    assert [(m.name, m.form, m.copies, m.required, m.deferrable, m.notes) for m in materials] == [
        ("居民户口簿", "original", 1, True, False, ""),
        ("原居民身份证", "original", 1, False, False, "换领时交回"),
        ("近期照片", "original", 2, True, True, ""),
    ]
    snapshot = ItemVersion.objects.get(item=item).snapshot
    assert snapshot["department_name"] == "衢州市公安局"
    assert [m["name"] for m in snapshot["materials"]] == ["居民户口簿", "原居民身份证", "近期照片"]


def test_full_template_as_gbk_csv_with_english_headers(owner):
    from shanghui.catalog.transfer.columns import COLUMNS

    data = csv_bytes([full_row(legal_limit="20个工作日", legal_limit_unit="", promised_limit="5", promised_limit_unit="")],
                     [c.key for c in COLUMNS], encoding="gbk")  # fmt: skip
    result = run(data, owner)
    assert result.applied, messages(result)
    item = ServiceItem.objects.get()
    assert (item.legal_limit, item.legal_limit_unit, item.promised_limit, item.promised_limit_unit) == (
        20, "working", 5, "working",
    )  # fmt: skip


# --- bad rows ---------------------------------------------------------------------------------------

BAD_ROWS = [
    full_row(item_code="GOOD-1", name="好的事项一"),  # row 2
    full_row(item_code="BAD-TYPE", task_type="99"),  # row 3
    full_row(item_code="BAD-NAME", name=""),  # row 4
    full_row(item_code="BAD-LIMIT", legal_limit="二十"),  # row 5
    full_row(item_code="BAD-ZERO", promised_limit="0"),  # row 6
    full_row(item_code="BAD-ORDER", legal_limit="5", promised_limit="10"),  # row 7
    full_row(item_code="GOOD-1", name="重复编码"),  # row 8
    full_row(item_code="", name="缺编码"),  # row 9
    full_row(item_code="BAD-UNIT", legal_limit_unit="月"),  # row 10
    full_row(item_code="BAD-BOOL", proxy_eligible="也许"),  # row 11
    full_row(
        item_code="BAD-MAT", materials="居民身份证[原件,三张]"
    ),  # row 12 (三份 is read: test_copies_in_chinese_numerals)
    full_row(item_code="GOOD-2", name="好的事项二", department="新部门"),  # row 13
]


def test_bad_rows_are_each_reported_and_nothing_is_imported(owner):
    audit_before = AuditEntry.objects.count()
    result = run(xlsx_bytes(BAD_ROWS, FULL_HEADER), owner)

    assert not result.applied
    assert messages(result) == [
        (3, "事项类型", "事项类型无效，应为 1、5、7、8、9、10、20 或对应名称（如“行政许可”）"),
        (4, "事项名称", "缺少事项名称"),
        (5, "法定时限", "法定时限应为正整数（天数），如 20"),
        (6, "承诺时限", "承诺时限应为正整数（天数），如 20"),
        (7, "承诺时限", "承诺时限（10）不能超过法定时限（5）"),
        (8, "实施编码", "实施编码与第 2 行重复"),
        (9, "实施编码", "缺少实施编码"),
        (10, "法定时限单位", "时限单位应为“工作日”或“自然日”"),
        (11, "可代办", "应填“是”或“否”"),
        (
            12,
            "申请材料",
            "“居民身份证”的属性“三张”无法识别（可用：原件、复印件、原件和复印件、电子材料、份数（如 2份、两份）、必须、非必须、容缺、备注:…）",
        ),
    ]
    # Nothing partial: no item, no material, no version, no department.
    assert not ServiceItem.objects.exists()
    assert not Material.objects.exists()
    assert not ItemVersion.objects.exists()
    assert not Organisation.objects.filter(kind=OrgKind.DEPARTMENT).exists()
    assert AuditEntry.objects.count() == audit_before


def test_good_rows_mode_imports_the_good_rows_and_reports_the_rest(owner):
    result = run(xlsx_bytes(BAD_ROWS, FULL_HEADER), owner, GOOD)

    assert result.applied
    assert result.created == 2
    assert set(ServiceItem.objects.values_list("code", flat=True)) == {"GOOD-1", "GOOD-2"}
    assert ServiceItem.objects.get(code="GOOD-1").name == "好的事项一"  # the first of the duplicates
    assert result.error_rows == 10
    assert result.departments_created == ["衢州市公安局", "新部门"]
    entry = AuditEntry.objects.filter(action="catalog.import").latest("seq")
    assert entry.detail["created"] == 2 and entry.detail["error_rows"] == 10


def test_good_rows_mode_with_no_good_row_imports_nothing(owner):
    result = run(csv_bytes([["区公安分局", "", "", "X-1", "1"]]), owner, GOOD)
    assert not result.applied
    assert messages(result) == [(2, "事项名称", "缺少事项名称")]


def test_missing_required_cells_in_the_short_shape(owner):
    rows = [["", "", "无部门", "C-1", "1"], ["区公安分局", "", "无类型", "C-2", ""]]
    result = run(csv_bytes(rows), owner)
    assert messages(result) == [(2, "实施部门", "缺少实施部门"), (3, "事项类型", "缺少事项类型")]


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        (
            {"fee": "二十元"},
            "收费金额（元）",
            "收费金额应为不小于0的数字（元，最多两位小数）；文字说明请写在“收费说明”列",
        ),
        (
            {"fee": "-1"},
            "收费金额（元）",
            "收费金额应为不小于0的数字（元，最多两位小数）；文字说明请写在“收费说明”列",
        ),
        (
            {"delivery": "飞鸽传书"},
            "送达方式",
            "送达方式“飞鸽传书”无法识别，应为 邮寄送达、电子证照、代办点自取",
        ),
        ({"counties": "33080"}, "办理区县", "“33080”不是6位行政区划代码"),
        ({"online": "上架了"}, "在线", "应填“是”或“否”"),
        ({"materials": "身份证[原件"}, "申请材料", "方括号没有成对出现"),
    ],
)
def test_other_bad_cells(owner, values, column, message):
    result = run(xlsx_bytes([full_row(**values)], FULL_HEADER), owner)
    assert messages(result) == [(2, column, message)]


def test_type_names_and_codes_are_both_accepted(owner):
    rows = [["区公安分局", "", "甲", "T-1", "行政许可"], ["区公安分局", "", "乙", "T-2", "10"]]
    run(csv_bytes(rows), owner)
    assert dict(ServiceItem.objects.values_list("code", "item_type")) == {"T-1": "1", "T-2": "10"}


def test_promised_limit_in_other_unit_than_legal_is_not_compared(owner):
    row = full_row(
        legal_limit="10", legal_limit_unit="工作日", promised_limit="12", promised_limit_unit="自然日"
    )
    assert run(xlsx_bytes([row], FULL_HEADER), owner).applied


# --- files that cannot be imported -----------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        (b"   \r\n\r\n", "文件是空的"),
        (",,,\n,,,\n", "文件是空的"),
        (b"department,group,name,item_code,task_type\r\n", "文件中没有数据行"),
        (PNG, "文件不是 Excel（.xlsx）或 CSV 表格"),
        (bytes(range(256)) * 8, "文件不是 Excel（.xlsx）或 CSV 表格"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "文件不是 Excel（.xlsx）或 CSV 表格"),
        (_zip_without_workbook(), "文件不是有效的 Excel（.xlsx）文件"),
        (b"PK\x03\x04 truncated", "文件不是有效的 Excel（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "不支持旧版 Excel（.xls）文件"),
        ("名称,编码\n甲,1\n".encode(), "缺少必需的列：实施部门、事项类型。第一行应为表头"),
    ],
    ids=[
        "empty",
        "blank",
        "empty-cells",
        "header-only",
        "png",
        "binary",
        "pdf",
        "zip",
        "broken-zip",
        "xls",
        "columns",
    ],
)
def test_files_that_are_not_catalogues_get_a_clear_error(owner, data, message):
    if isinstance(data, str):
        data = data.encode()
    with pytest.raises(ImportFileError) as caught:
        run(data, owner)
    assert message in str(caught.value)
    assert not ServiceItem.objects.exists()


def test_too_many_rows(owner, monkeypatch):
    monkeypatch.setattr("shanghui.catalog.transfer.reading.MAX_ROWS", 3)
    rows = [["区公安分局", "", f"事项{n}", f"M-{n}", "20"] for n in range(4)]
    for data in (csv_bytes(rows), xlsx_bytes(rows)):
        with pytest.raises(ImportFileError, match="文件超过 3 行"):
            run(data, owner)
    assert run(csv_bytes(rows[:3]), owner).created == 3


def test_header_only_xlsx_has_no_data_rows(owner):
    with pytest.raises(ImportFileError, match="没有数据行"):
        run(xlsx_bytes([]), owner)


# --- re-import --------------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(owner):
    data = xlsx_bytes([full_row(), full_row(item_code="C-2", name="第二个事项", materials="")], FULL_HEADER)
    run(data, owner)
    stamps = dict(ServiceItem.objects.values_list("code", "updated_at"))

    result = run(data, owner)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert ItemVersion.objects.count() == 2
    assert dict(ServiceItem.objects.values_list("code", "updated_at")) == stamps
    assert set(ServiceItem.objects.values_list("version", flat=True)) == {1}


def test_a_changed_file_updates_by_code_and_keeps_the_old_version(owner):
    run(xlsx_bytes([full_row()], FULL_HEADER), owner)
    item = ServiceItem.objects.get()
    before = item.updated_at

    changed = full_row(promised_limit="10", materials="居民户口簿[原件,1份];近期照片[2份]")
    result = run(xlsx_bytes([changed], FULL_HEADER), owner)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    item.refresh_from_db()
    assert item.version == 2 and item.promised_limit == 10
    assert item.updated_at > before
    assert [m.name for m in item.materials.order_by("position")] == ["居民户口簿", "近期照片"]
    old, new = ItemVersion.objects.filter(item=item).order_by("number")
    assert (old.number, old.snapshot["promised_limit"], len(old.snapshot["materials"])) == (1, 20, 3)
    assert (new.number, new.snapshot["promised_limit"], len(new.snapshot["materials"])) == (2, 10, 2)


def test_online_status_change_updates_without_a_new_version(owner):
    run(xlsx_bytes([full_row()], FULL_HEADER), owner)
    result = run(xlsx_bytes([full_row(online="否")], FULL_HEADER), owner)
    item = ServiceItem.objects.get()
    assert result.updated == 1
    assert item.is_online is False and item.version == 1
    assert ItemVersion.objects.count() == 1


def test_short_shape_reimport_keeps_what_the_full_template_added(owner):
    run(xlsx_bytes([full_row(item_code="K-1")], FULL_HEADER), owner)
    short = [["衢州市公安局", "未分类", "居民身份证办理（包括临时）", "K-1", "20"]]

    result = run(csv_bytes(short), owner)

    assert result.unchanged == 1
    item = ServiceItem.objects.get()
    assert item.materials.count() == 3 and item.promised_limit == 20


def test_codes_of_another_federations_items_are_refused(owner):
    other = make_org(OrgKind.FEDERATION, "衢州市工商联", region_code="330800")
    run(csv_bytes(GUANGAN_ROWS[:1]), owner)
    result = run(csv_bytes([["衢州市公安局", "", "想接管", GUANGAN_ROWS[0][3], "20"]]), other)
    assert not result.applied
    assert messages(result) == [(2, "实施编码", "该实施编码已被“区公安分局”的事项使用，不属于本工商联")]
    assert ServiceItem.objects.get().name == "居民身份证办理（包括临时）"


def test_moving_an_item_to_another_department_is_a_new_version(owner):
    run(csv_bytes(GUANGAN_ROWS[:1]), owner)
    result = run(csv_bytes([["区行政审批局", "", GUANGAN_ROWS[0][2], GUANGAN_ROWS[0][3], "20"]]), owner)
    item = ServiceItem.objects.select_related("department").get()
    assert result.updated == 1 and item.department.name == "区行政审批局" and item.version == 2
    assert item.versions.get(number=2).snapshot["department_name"] == "区行政审批局"


def test_blank_forms_uploaded_in_the_edit_page_survive_a_reimport(owner):
    run(xlsx_bytes([full_row()], FULL_HEADER), owner)
    material = Material.objects.get(name="居民户口簿")
    Material.objects.filter(pk=material.pk).update(blank_form="catalog/forms/2026/hukou.pdf")
    result = run(xlsx_bytes([full_row()], FULL_HEADER), owner)
    assert result.unchanged == 1  # the blank form is not in the file, and is not a change
    assert Material.objects.get(name="居民户口簿").blank_form.name == "catalog/forms/2026/hukou.pdf"


# --- materials syntax ---------------------------------------------------------------------------------


def test_materials_syntax_reads_back_what_it_writes():
    materials = [
        MaterialData("居民身份证", "original", 1, True, False, ""),
        MaterialData("结婚证（复印件须清晰）", "copy", 2, False, True, "委托时提供；可后补"),
        MaterialData("电子照片", "electronic", 1, True, False, ""),
        MaterialData("户口簿", "both", 3, True, False, "首页, 本人页"),
    ]
    text = format_materials(materials)
    assert parse_materials(text) == (materials, [])


def test_materials_syntax_defaults_and_full_width_separators():
    materials, problems = parse_materials("居民身份证；户口簿【复印件，2份，非必须】; ")
    assert problems == []
    assert [(m.name, m.form, m.copies, m.required) for m in materials] == [
        ("居民身份证", "original", 1, True),
        ("户口簿", "copy", 2, False),
    ]


# --- a very large file --------------------------------------------------------------------------------


def test_a_very_large_file_imports_in_batches(owner):
    departments = [f"部门{n:02d}" for n in range(30)]
    rows = [
        full_row(department=departments[n % 30], item_code=f"BIG-{n:05d}", name=f"批量事项{n}",
                 materials="居民身份证[原件,1份];申请表[原件,1份,备注:现场填写]")
        for n in range(12_000)
    ]  # fmt: skip
    data = csv_bytes(rows, FULL_HEADER)
    progress: list[int] = []

    result = import_file(data, owner=owner, actor=None, mode=ALL, progress=progress.append)

    assert result.applied and result.created == 12_000
    assert ServiceItem.objects.count() == 12_000
    assert Material.objects.count() == 24_000
    assert ItemVersion.objects.count() == 12_000
    assert progress[0] == 500 and progress[-1] == 12_000 and len(progress) == 25


# --- the real Guang'an catalogue ------------------------------------------------------------------------

GUANGAN = Path(settings.BASE_DIR).parent / "shared" / "data" / "catalog_guangan.csv"


@pytest.mark.skipif(not GUANGAN.is_file(), reason="shared/data/catalog_guangan.csv is not there")
def test_the_real_guangan_catalogue(owner):
    result = run(GUANGAN.read_bytes(), owner)
    assert result.applied and result.created == 1135
    assert Organisation.objects.filter(kind=OrgKind.DEPARTMENT, parent=owner).count() == 34
    again = run(GUANGAN.read_bytes(), owner)
    assert again.unchanged == 1135 and ItemVersion.objects.count() == 1135


# --- what people write: 两份, county names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "copies"),
    [("1份", 1), ("一份", 1), ("两份", 2), ("二份", 2), ("三份", 3), ("３份", 3), ("十份", 10), ("十二份", 12),
     ("二十份", 20), ("贰拾叁份", 23), ("2 份", 2)],
)  # fmt: skip
def test_copies_in_chinese_numerals(text, copies):
    materials, problems = parse_materials(f"居民户口簿[复印件,{text}]")
    assert problems == []
    assert [(m.name, m.copies) for m in materials] == [("居民户口簿", copies)]


@pytest.mark.parametrize("text", ["零份", "0份", "几份", "一百份", "两两份", "十十份", "份"])
def test_copies_that_are_not_a_count_are_refused(text):
    materials, problems = parse_materials(f"居民户口簿[{text}]")
    assert problems == [
        f"“居民户口簿”的属性“{text}”无法识别（可用：原件、复印件、原件和复印件、电子材料、份数（如 2份、两份）、必须、非必须、容缺、备注:…）"
    ]


@pytest.fixture
def quzhou(db: None) -> Organisation:
    city = make_org(OrgKind.FEDERATION, "衢州市工商联", region_code="330800")
    make_org(OrgKind.FEDERATION, "柯城区工商联", city, region_code="330802")
    make_org(OrgKind.FEDERATION, "龙游县工商联", city, region_code="330825")
    make_org(OrgKind.FEDERATION, "江山市工商联", city, region_code="330881")
    return city


def test_counties_by_name_short_name_or_code(quzhou):
    row = full_row(counties="柯城区；龙游；330881;江山市工商联", materials="居民身份证[原件,两份]")
    result = run(xlsx_bytes([row], FULL_HEADER), quzhou)

    assert result.applied and result.errors == []
    item = ServiceItem.objects.get()
    assert item.region_codes == ["330802", "330825", "330881"]
    assert [(m.name, m.copies) for m in item.materials.all()] == [("居民身份证", 2)]


def test_county_names_are_those_of_the_importing_citys_counties(quzhou):
    make_org(
        OrgKind.FEDERATION, "广安区工商联", make_org(OrgKind.FEDERATION, "广安市工商联"), region_code="511602"
    )
    rows = [full_row(item_code="A-1", counties="柯城区;广安区"), full_row(item_code="A-2", counties="衢州市")]
    result = run(xlsx_bytes(rows, FULL_HEADER), quzhou)

    assert not result.applied
    assert messages(result) == [
        (2, "办理区县", "“广安区”不是本市的区县名称，也不是6位行政区划代码"),
        (3, "办理区县", "“衢州市”不是本市的区县名称，也不是6位行政区划代码"),
    ]
    assert not ServiceItem.objects.exists()


def test_the_template_explains_numerals_and_county_names():
    from openpyxl import load_workbook

    from shanghui.catalog.transfer.exporting import template_workbook

    workbook = load_workbook(io.BytesIO(template_workbook()))
    instructions = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value)
    assert "“2份”“两份”“二份”都可以" in instructions
    assert "可以写区县名称（如“柯城区”" in instructions
    assert "6位行政区划代码（如 330802）" in instructions
    examples = [c.value for row in workbook["事项目录"].iter_rows(min_row=2) for c in row]
    assert "柯城区;330825" in examples
