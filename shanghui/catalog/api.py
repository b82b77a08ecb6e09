"""The catalogue's JSON API. Search is public: citizens are not logged in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from shanghui.catalog import search as catalog_search
from shanghui.catalog.models import ItemType
from shanghui.catalog.public_views import closest_url

router = Router(tags=["事项目录"])

MAX_LIMIT = 50


class SearchParams(Schema):
    q: str = Field("", description="群众的说法：事项名称、口语、拼音、拼音首字母都可以，如 换身份证、sfz")
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description=f"返回条数，1–{MAX_LIMIT}")
    department: int | None = Field(None, description="只搜索该部门的事项（部门 id）")
    proxy_only: bool = Field(False, description="只返回可由商会代办的事项")

    @field_validator("limit", mode="before")
    @classmethod
    def _limit_in_range(cls, value: Any) -> int:
        # pydantic's own messages are English; a citizen-facing API answers in Chinese.
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= MAX_LIMIT:
            raise PydanticCustomError("limit_range", f"limit 必须是 1 到 {MAX_LIMIT} 之间的整数")
        return number

    @field_validator("department", mode="before")
    @classmethod
    def _department_id(cls, value: Any) -> int | None:
        if value in (None, ""):
            return None
        try:
            return int(str(value).strip())
        except ValueError:
            raise PydanticCustomError("department_id", "department 必须是部门的数字编号") from None


class SearchResult(Schema):
    id: int
    code: str
    name: str
    department: str
    item_type: str = Field(description="事项类型代码（1 行政许可 … 20 公共服务）")
    item_type_label: str
    score: float
    proxy_eligible: bool = Field(description="可由商会代办（群众页面上的“可代办”标记）")
    why: list[str] = Field(description="为什么匹配，如 拼音首字母 sfz→身份证")
    url: str = Field(description="办事指南页面")


class ClosestGroup(Schema):
    department_id: int
    department: str
    group: str = Field(description="主项名称；空字符串表示整个部门")
    items: int = Field(description="其中在线事项的数量")
    related: bool = Field(
        description="true：由群众输入的词找到的相近分类；false：没有相近分类时列出的常用部门"
    )
    url: str = Field(description="列出该主项或部门全部事项的群众页面")


class SearchResponse(Schema):
    query: str
    count: int
    matched: bool = Field(
        description="是否有真正匹配的事项（输入的词出现在事项名称、主项或材料中）。"
        "为 false 时 results 为空：目录中没有这样的事项，closest 给出最接近的主项或部门"
    )
    results: list[SearchResult]
    closest: list[ClosestGroup] = Field(description="matched 为 false 时最接近的主项或部门，否则为空")


@router.get("/search", response=SearchResponse, summary="搜索事项", url_name="catalog_search")
def search_items(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    found = catalog_search.find(
        params.q, limit=params.limit, department_id=params.department, proxy_only=params.proxy_only
    )
    labels = dict(ItemType.choices)
    results = [
        {
            "id": hit.id,
            "code": hit.code,
            "name": hit.name,
            "department": hit.department,
            "item_type": hit.item_type,
            "item_type_label": str(labels.get(hit.item_type, hit.item_type)),
            "score": hit.score,
            "proxy_eligible": hit.proxy_eligible,
            "why": hit.why,
            "url": reverse("catalog_public:item", args=[hit.id]),
        }
        for hit in found.hits
    ]
    return {
        "query": params.q,
        "count": len(results),
        "matched": found.matched,
        "results": results,
        "closest": [closest_json(c) for c in found.closest],
    }


def closest_json(closest: catalog_search.Closest) -> dict[str, Any]:
    return {
        "department_id": closest.department_id,
        "department": closest.department,
        "group": closest.group,
        "items": closest.items,
        "related": closest.related,
        "url": closest_url(closest),
    }
