"""The catalogue part of the demo data set: `load(stdout)`.

* The real Guang'an catalogue (四川省广安市广安区, 1,135 items of 34 departments) from
  ../shared/data/catalog_guangan.csv, under its own root federation 广安市广安区工商联.
* The Quzhou catalogue (505 items of the fifteen city departments, shanghui/catalog/data/quzhou.py)
  under 衢州市工商联, which the organisation part of the demo creates first.

Both go through the real importer, by item code: a second run changes nothing. Deterministic and fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

from shanghui.catalog.data import quzhou
from shanghui.catalog.models import ImportJob
from shanghui.catalog.transfer.importing import ImportResult, import_file, import_records
from shanghui.orgs.models import FederationLevel, Organisation, OrgKind
from shanghui.orgs.services import create_organisation

if TYPE_CHECKING:
    from shanghui.demo.loader import Demo

GUANGAN_FEDERATION = "广安市广安区工商联"
GUANGAN_REGION = "511602"
QUZHOU_FEDERATION = "衢州市工商联"


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


def data_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


def _summary(label: str, result: ImportResult, seconds: float) -> str:
    text = (
        f"  {label}：{result.total_rows} 个事项，新增 {result.created}、更新 {result.updated}、"
        f"未变 {result.unchanged}（{seconds:.1f} 秒）"
    )
    if result.departments_created:
        text += f"；新建部门 {len(result.departments_created)} 个"
    if result.errors:
        text += f"；{len(result.errors)} 处错误，未导入：" + "；".join(
            f"第{e.row}行 {e.column} {e.message}" for e in result.errors[:5]
        )
    return text


def load_guangan(stdout: Writer) -> ImportResult | None:
    path = data_dir() / "catalog_guangan.csv"
    if not path.is_file():
        stdout.write(f"  未找到广安目录文件 {path}，跳过广安区事项目录。")
        return None
    federation = Organisation.objects.filter(parent=None, name=GUANGAN_FEDERATION).first()
    if federation is None:
        federation = create_organisation(
            actor=None, kind=OrgKind.FEDERATION, name=GUANGAN_FEDERATION, short_name="广安区工商联",
            federation_level=FederationLevel.COUNTY, region_code=GUANGAN_REGION,
            description="四川省广安市广安区工商业联合会（演示数据：广安区政务服务事项目录）。",
        )  # fmt: skip
    started = time.monotonic()
    result = import_file(path.read_bytes(), owner=federation, actor=None, mode=ImportJob.Mode.ALL_OR_NOTHING)
    stdout.write(_summary("广安区事项目录", result, time.monotonic() - started))
    return result


def load_quzhou(stdout: Writer) -> ImportResult | None:
    city = Organisation.objects.filter(parent=None, name=QUZHOU_FEDERATION, kind=OrgKind.FEDERATION).first()
    if city is None:
        stdout.write(f"  未找到“{QUZHOU_FEDERATION}”（应先载入组织演示数据），跳过衢州事项目录。")
        return None
    rows = quzhou.rows()
    started = time.monotonic()
    # The importer finds the city departments by name under the federation and creates any missing one.
    result = import_records(
        enumerate(rows, start=2), total=len(rows), owner=city, actor=None, mode=ImportJob.Mode.ALL_OR_NOTHING
    )
    stdout.write(_summary("衢州市事项目录", result, time.monotonic() - started))
    return result


def load(stdout: Writer) -> None:
    load_guangan(stdout)
    load_quzhou(stdout)
    from shanghui.catalog.search import seed_default_synonyms

    # How citizens say things (换身份证, sbk, 提公积金 …); administrators edit them under 同义词.
    created = seed_default_synonyms()
    stdout.write(f"  同义词：新增 {created} 条")


def load_part(demo: Demo) -> None:
    """The catalogue's part of `shanghui demo` (its PARTS)."""
    load(demo.stdout)
