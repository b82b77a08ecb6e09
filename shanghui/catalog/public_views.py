"""The citizen pages: find a service item in one's own words, read its service guide (办事指南), and
find a chamber proxy point that takes it. Public: citizens are not logged in; only online items.

The results show what an item is and whether a chamber can do it (可代办), not why it matched: the
search's reasons are for staff who tune synonyms, behind a switch (`?why=1`, kept by the search form
for the rest of the visit). When nothing really matches, the page says so and offers the closest
groups (主项) or departments, each a list of its items (`?department=<id>&group=<name>`)."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from shanghui.accounts.models import User
from shanghui.catalog import search as catalog_search
from shanghui.catalog.access import can_read_catalogue
from shanghui.catalog.models import Delivery, Material, ServiceItem
from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind

# The proxy request is the proxy case module's (the citizen's apply page, `citizen:apply`); this page
# only links to it, to the staff intake form while that module is not installed.
CASE_NEW_URL = "/cases/new/"
RESULTS = 20
SUGGESTIONS = 8
BROWSE = 100  # items listed for a group or department
# Shown when nothing matched, and on the empty search page: ways people really ask.
EXAMPLES = [
    gettext_lazy("换身份证"),
    gettext_lazy("社保卡"),
    "sfz",
    gettext_lazy("开无犯罪证明"),
    gettext_lazy("提公积金"),
    gettext_lazy("营业执照丢了"),
    gettext_lazy("退休办手续"),
]


def public_items() -> QuerySet[ServiceItem]:
    """What citizens may see: online items. Anything else is 404, as if it did not exist."""
    return ServiceItem.objects.filter(is_online=True)


def get_public_item(item_id: int) -> ServiceItem:
    item = (
        public_items()
        .filter(pk=item_id)
        .select_related("department")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("position", "id")))
        .first()
    )
    if item is None:
        raise Http404(gettext("事项不存在或已下线"))
    return item


def proxy_points_for(item: ServiceItem) -> list[Organisation]:
    """Active proxy points of the item's city (the same root federation as its department) that take
    it: points without their own settings and points offering everything take every proxy-eligible
    item; the others take the items they chose."""
    if not item.proxy_eligible:
        return []
    root = item.department.path[:PATH_STEP]
    points = (
        Organisation.objects.filter(
            kind=OrgKind.PROXY_POINT, is_active=True, parent__is_active=True, path__startswith=root
        )
        .filter(
            Q(catalog_settings__isnull=True)
            | Q(catalog_settings__offers_all=True)
            | Q(catalog_settings__items=item)
        )
        .select_related("parent")
        .distinct()
    )
    return sorted(points, key=lambda p: (point_city(p), p.parent.name if p.parent else "", p.name))


def apply_base() -> str:
    try:
        return reverse("citizen:apply")
    except NoReverseMatch:
        return CASE_NEW_URL


def point_city(point: Organisation) -> str:
    return point.city or (point.parent.city if point.parent else "") or ""


def is_catalogue_staff(request: HttpRequest) -> bool:
    """Staff who work with the catalogue may see why each result matched."""
    user = request.user
    return isinstance(user, User) and user.is_active and can_read_catalogue(user)


def closest_url(closest: catalog_search.Closest) -> str:
    url = f"{reverse('catalog_public:search')}?department={closest.department_id}"
    return f"{url}&group={quote(closest.group)}" if closest.group else url


def browse(department: str, group: str) -> tuple[str, list[ServiceItem]] | None:
    """The online items of a department (and one of its groups), those a chamber can do first, then
    the ones citizens use most; None when the department is not a number."""
    try:
        department_id = int(department)
    except ValueError:
        return None
    items = public_items().filter(department_id=department_id, department__kind=OrgKind.DEPARTMENT)
    if group:
        items = items.filter(group_name=group)
    found = list(
        items.select_related("department").order_by("-proxy_eligible", "-usage_count", "name", "pk")[:BROWSE]
    )
    title = found[0].department.name if found else ""
    return (f"{title} · {group}" if title and group else title), found


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: catalog_search.MAX_QUERY_CHARS]
    staff = is_catalogue_staff(request)
    show_why = staff and request.GET.get("why") == "1"
    context: dict[str, object] = {
        "query": query,
        "examples": EXAMPLES,
        "staff": staff,
        "show_why": show_why,
    }
    if query:
        found = catalog_search.find(query, limit=RESULTS)
        context.update(
            hits=found.hits,
            matched=found.matched,
            closest=[(c, closest_url(c)) for c in found.closest],
            related=any(c.related for c in found.closest),
            weak=found.weak if show_why else [],
        )
    elif department := request.GET.get("department", "").strip():
        browsed = browse(department, request.GET.get("group", "").strip()[:200])
        if browsed is not None:
            context.update(browse_title=browsed[0], browse_items=browsed[1], browsing=True)
    return render(request, "catalog/public/search.html", context)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The suggestions under the search box (htmx partial), as the citizen types."""
    query = request.GET.get("q", "").strip()[: catalog_search.MAX_QUERY_CHARS]
    hits = catalog_search.suggest(query, SUGGESTIONS) if query else []
    return render(
        request,
        "catalog/public/_suggestions.html",
        {"query": query, "hits": hits, "examples": EXAMPLES},
    )


@require_GET
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_public_item(item_id)
    all_points = proxy_points_for(item)
    cities = sorted({point_city(p) for p in all_points if point_city(p)})
    city = request.GET.get("city", "").strip()
    city = city if city in cities else ""  # an unknown city shows every point, not none
    points = [p for p in all_points if not city or point_city(p) == city]
    deliveries = dict(Delivery.choices)
    return render(
        request,
        "catalog/public/item.html",
        {
            "item": item,
            "materials": list(item.materials.all()),
            "delivery_labels": [str(deliveries.get(d, d)) for d in item.delivery_methods or []],
            "points": points,
            "cities": cities,
            "city": city,
            "apply_url": f"{apply_base()}?item={item.pk}",
        },
    )
