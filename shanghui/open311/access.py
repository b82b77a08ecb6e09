"""What the Open311 endpoints show, and for whom a POST acts. The only place these rules live.

* A jurisdiction is a county federation with a region code; `jurisdiction_id` is that code (330802).
  With one jurisdiction the parameter is optional, with several it is required.
* Its services: the online, proxy-eligible items of its city's catalogue that at least one active proxy
  point of the city offers, whose department serves the county (a department of the city, or of that
  county) and whose region list is empty or names the county.
* Its service requests: the cases of applicants whose home county it is (the county whose window
  handles them and whose code starts the case number), once submitted. A draft is not a request yet.
  Anyone may read them; what is shown of them is public information only (serializers.py).
* A POST needs a write-scope API token of an agent; the case is taken in at the token's organisation
  (an active proxy point where the token's user is an agent) or, when the token names none, at the one
  active point where the user is an agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from shanghui.accounts.models import ApiToken
from shanghui.catalog.models import ProxyPointCatalog, ServiceItem
from shanghui.open311.errors import Open311Error
from shanghui.orgs.models import PATH_STEP, FederationLevel, Organisation, OrgKind
from shanghui.proxy.access import intake_points
from shanghui.proxy.models import Case


@dataclass(frozen=True)
class Jurisdiction:
    org: Organisation

    @property
    def id(self) -> str:
        return self.org.region_code

    @property
    def name(self) -> str:
        return self.org.name.removesuffix("工商联")

    @property
    def root(self) -> str:
        return self.org.path[:PATH_STEP]


def jurisdictions() -> list[Jurisdiction]:
    rows = (
        Organisation.objects.filter(
            kind=OrgKind.FEDERATION, federation_level=FederationLevel.COUNTY, is_active=True
        )
        .exclude(region_code="")
        .order_by("region_code", "path")
    )
    seen: dict[str, Jurisdiction] = {}
    for org in rows:
        seen.setdefault(org.region_code, Jurisdiction(org))
    return list(seen.values())


def get_jurisdiction(raw: str | None) -> Jurisdiction:
    """The jurisdiction a request names, or the only one there is; Open311Error 400/404 otherwise."""
    raw = (raw or "").strip()
    known = jurisdictions()
    if not raw:
        if len(known) == 1:
            return known[0]
        if not known:
            raise Open311Error(404, "本平台尚未设置任何辖区")
        choices = "、".join(f"{j.id}（{j.name}）" for j in known)
        raise Open311Error(400, f"请提供 jurisdiction_id（辖区代码），可选：{choices}")
    for jurisdiction in known:
        if jurisdiction.id == raw:
            return jurisdiction
    raise Open311Error(404, f"辖区 {raw[:20]} 不存在")


# --- Services ----------------------------------------------------------------------------------------


def _offered_q(root: str) -> Q:
    """Items that at least one active proxy point of the city offers (see catalog.services.items_offered_by:
    a point without settings, or with "all", offers every online proxy-eligible item of its city)."""
    points = Organisation.objects.filter(kind=OrgKind.PROXY_POINT, is_active=True, path__startswith=root)
    if points.filter(Q(catalog_settings__isnull=True) | Q(catalog_settings__offers_all=True)).exists():
        return Q()
    chosen = ProxyPointCatalog.items.through.objects.filter(proxypointcatalog__proxy_point__in=points)
    return Q(pk__in=chosen.values("serviceitem_id"))


def services_for(jurisdiction: Jurisdiction, *, code: str | None = None) -> list[ServiceItem]:
    items = (
        ServiceItem.objects.filter(
            proxy_eligible=True,
            is_online=True,
            department__is_active=True,
            department__path__startswith=jurisdiction.root,
        )
        .filter(
            Q(department__parent=jurisdiction.org)
            | Q(department__parent__federation_level=FederationLevel.CITY)
        )
        .select_related("department")
        .order_by("department__path", "name", "pk")
    )
    if code is not None:
        items = items.filter(code=code)
    items = items.filter(_offered_q(jurisdiction.root))
    # region_codes is a JSON list, and SQLite has no JSON "contains": the region test is done here
    # (a city's catalogue is a few hundred items).
    return [item for item in items if not item.region_codes or jurisdiction.id in item.region_codes]


def get_service(jurisdiction: Jurisdiction, code: str) -> ServiceItem:
    found = services_for(jurisdiction, code=code) if code else []
    if not found:
        raise Open311Error(404, f"service_code {code[:80]} 不存在或不在本辖区提供")
    return found[0]


# --- Service requests ----------------------------------------------------------------------------------


def requests_for(jurisdiction: Jurisdiction) -> QuerySet[Case]:
    return Case.objects.filter(home_region_code=jurisdiction.id, submitted_at__isnull=False)


def get_request(jurisdiction: Jurisdiction, number: str) -> Case:
    case = (
        requests_for(jurisdiction)
        .filter(number=number)
        .select_related("item", "item_version", "department", "proxy_point", "proxy_point__parent")
        .defer("applicant_id_number")
        .first()
    )
    if case is None:
        raise Open311Error(404, f"service_request_id {number[:40]} 不存在")
    return case


# --- Who posts ---------------------------------------------------------------------------------------


def point_for_token(token: ApiToken) -> Organisation:
    """The proxy point where a POST with this token takes the case in; Open311Error 403 otherwise."""
    if not token.can_write:
        raise Open311Error(403, "api_key 为只读令牌，不能提交办件，请使用具有读写权限的令牌")
    points = intake_points(token.user).select_related("parent")
    if token.organisation_id is not None:
        point = points.filter(pk=token.organisation_id).first()
        if point is None:
            raise Open311Error(403, "api_key 所代表的机构不是令牌持有人担任代办员的在用代办点")
        return point
    found = list(points[:2])
    if not found:
        raise Open311Error(403, "api_key 的持有人不是任何在用代办点的代办员，不能提交办件")
    if len(found) > 1:
        raise Open311Error(403, "令牌持有人是多个代办点的代办员，请使用指定了代办点的令牌")
    return found[0]
