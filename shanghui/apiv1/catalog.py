"""/api/v1/catalog/: the service catalogue as staff read it (shanghui/catalog/access.py decides who).

Staff who do not work with the catalogue (mediators, lecturers, people without a role) get 404, as on
the staff pages. The citizen-facing search without login stays at /api/catalog/search.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import with_errors
from shanghui.catalog import search as catalog_search
from shanghui.catalog.access import can_read_catalogue, get_item_for_user, get_point_for_user, items_for_user
from shanghui.catalog.models import Delivery, ItemType, MaterialForm, ServiceItem
from shanghui.catalog.services import zh_labels
from shanghui.lib.bounds import Int
from shanghui.proxy.services import offered_items

router = Router(tags=["事项目录"])


def _require_reader(request: HttpRequest) -> None:
    if not can_read_catalogue(user_of(request)):
        raise Http404("事项目录不存在或无权查看")


class DepartmentRef(Schema):
    id: int
    name: str


class ItemOut(Schema):
    id: int
    code: str
    name: str
    item_type: str = Field(description="事项类型代码（1 行政许可 … 20 公共服务）")
    item_type_label: str
    department: DepartmentRef
    proxy_eligible: bool = Field(description="可由商会代办")
    is_online: bool
    legal_limit: int | None
    legal_limit_unit: str
    promised_limit: int | None
    promised_limit_unit: str
    fee_yuan: Decimal
    fee_note: str
    delivery_methods: list[str]
    region_codes: list[str] = Field(description="办理区县代码；空表示部门所在的全部区县")
    version: int = Field(description="当前版本号（办件锁定创建时的版本）")
    updated_at: dt.datetime


class MaterialOut(Schema):
    position: int
    name: str
    form: str
    form_label: str
    copies: int
    required: bool
    deferrable: bool = Field(description="可容缺后补")
    notes: str


class ItemDetailOut(ItemOut):
    group_name: str
    description: str
    conditions: str
    materials: list[MaterialOut]


class ItemPage(Schema):
    items: list[ItemOut]
    next_cursor: str | None


class ItemFilters(PageParams):
    q: str = Field("", max_length=100, description="名称或实施编码包含")
    department: Int | None = Field(None, description="实施部门 id")
    item_type: ItemType | None = None
    proxy_eligible: bool | None = Field(None, description="只看可代办（true）或不可代办（false）的事项")
    online: bool | None = Field(None, description="只看在线（true）或下线（false）的事项")
    point: Int | None = Field(
        None, description="只看该代办点受理的事项（代办点 id）：代办员录入办件时选事项用"
    )


def item_json(item: ServiceItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "item_type_label": zh_labels(ItemType).get(item.item_type, ""),
        "department": {"id": item.department_id, "name": item.department.name},
        "proxy_eligible": item.proxy_eligible,
        "is_online": item.is_online,
        "legal_limit": item.legal_limit,
        "legal_limit_unit": item.legal_limit_unit,
        "promised_limit": item.promised_limit,
        "promised_limit_unit": item.promised_limit_unit,
        "fee_yuan": item.fee_yuan,
        "fee_note": item.fee_note,
        "delivery_methods": [d for d in item.delivery_methods or [] if d in Delivery.values],
        "region_codes": list(item.region_codes or []),
        "version": item.version,
        "updated_at": item.updated_at,
    }


@router.get("/items", response=with_errors({200: ItemPage}), summary="事项列表")
def list_items(request: HttpRequest, filters: Query[ItemFilters]) -> dict[str, Any]:
    _require_reader(request)
    user = user_of(request)
    items = items_for_user(user)
    if filters.point is not None:
        point = get_point_for_user(user, filters.point)
        items = items.filter(pk__in=offered_items(point).values("pk"))
    if q := filters.q.strip():
        items = items.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if filters.department is not None:
        items = items.filter(department_id=filters.department)
    if filters.item_type is not None:
        items = items.filter(item_type=filters.item_type)
    if filters.proxy_eligible is not None:
        items = items.filter(proxy_eligible=filters.proxy_eligible)
    if filters.online is not None:
        items = items.filter(is_online=filters.online)
    rows, cursor = keyset_page(
        items.select_related("department"), filters, keys=[("id", int)], descending=False
    )
    return page_of(rows, cursor, item_json)


@router.get("/items/{item_id}", response=with_errors({200: ItemDetailOut}), summary="事项详情（含申请材料）")
def get_item(request: HttpRequest, item_id: Int) -> dict[str, Any]:
    _require_reader(request)
    item = get_item_for_user(user_of(request), item_id)
    forms = zh_labels(MaterialForm)
    materials = [
        {
            "position": m.position,
            "name": m.name,
            "form": m.form,
            "form_label": forms.get(m.form, ""),
            "copies": m.copies,
            "required": m.required,
            "deferrable": m.deferrable,
            "notes": m.notes,
        }
        for m in item.materials.order_by("position", "pk")
    ]
    return {
        **item_json(item),
        "group_name": item.group_name,
        "description": item.description,
        "conditions": item.conditions,
        "materials": materials,
    }


class SearchParams(Schema):
    q: str = Field(
        ..., min_length=1, max_length=100, description="群众的说法：事项名称、口语、拼音、拼音首字母"
    )
    limit: int = Field(10, ge=1, le=50, description="返回条数，1–50")
    department: Int | None = Field(None, description="只搜该部门的事项（部门 id）")
    proxy_only: bool = Field(False, description="只返回可由商会代办的事项")
    include_offline: bool = Field(False, description="也返回已下线的事项")


class SearchHitOut(Schema):
    id: int
    code: str
    name: str
    department: DepartmentRef
    item_type: str
    score: float
    proxy_eligible: bool = Field(description="可由商会代办")
    why: list[str] = Field(description="为什么匹配，如 拼音首字母 sfz→身份证")


class ClosestOut(Schema):
    department: DepartmentRef
    group: str = Field(description="主项名称；空字符串表示整个部门")
    items: int = Field(description="其中在线事项的数量")
    related: bool = Field(description="true：由输入的词找到的相近分类；false：没有相近分类时列出的常用部门")


class SearchOut(Schema):
    query: str
    matched: bool = Field(
        description="是否有真正匹配的事项（输入的词出现在事项名称、主项或材料中）。"
        "为 false 时 results 为空：目录中没有这样的事项，closest 给出最接近的主项或部门"
    )
    results: list[SearchHitOut]
    closest: list[ClosestOut] = Field(
        description="matched 为 false 时最接近的主项或部门（本人可见的），否则为空"
    )


@router.get("/search", response=with_errors({200: SearchOut}), summary="搜索事项（同义词、拼音、错别字）")
def search_items(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    _require_reader(request)
    found = catalog_search.find(
        params.q,
        limit=params.limit,
        department_id=params.department,
        proxy_only=params.proxy_only,
        include_offline=params.include_offline,
    )
    hits = found.hits
    # The index holds every city's catalogue; a reader sees their own city's (items_for_user).
    readable = items_for_user(user_of(request))
    visible = set(readable.filter(pk__in=[h.id for h in hits]).values_list("pk", flat=True))
    departments = {c.department_id for c in found.closest}
    visible_departments = (
        set(readable.filter(department_id__in=departments).values_list("department_id", flat=True))
        if departments
        else set()
    )
    results = [
        {
            "id": hit.id,
            "code": hit.code,
            "name": hit.name,
            "department": {"id": hit.department_id, "name": hit.department},
            "item_type": hit.item_type,
            "score": hit.score,
            "proxy_eligible": hit.proxy_eligible,
            "why": hit.why,
        }
        for hit in hits
        if hit.id in visible
    ]
    closest = [
        {
            "department": {"id": c.department_id, "name": c.department},
            "group": c.group,
            "items": c.items,
            "related": c.related,
        }
        for c in found.closest
        if c.department_id in visible_departments
    ]
    # Real matches all in other cities' catalogues are none for this reader.
    matched = found.matched and bool(results)
    return {"query": params.q, "matched": matched, "results": results, "closest": closest}
