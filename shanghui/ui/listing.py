"""The shape of every staff list: its filter form applied to the rows, pagination, the empty state, and
the Excel export of the same filtered rows — one export path, audited.

A list view reads

    ORG_EXPORT = Export(name="组织机构", headers=(…), action=AuditAction.ORG_EXPORT,
                        object_type="orgs.organisation")

    def org_list(request):
        listing = Listing(request, OrgFilterForm(request.GET, user=user))
        orgs = listing.form.apply(organisations_for_user(user)).order_by("path")
        if listing.exporting:                       # ?export=xlsx
            return listing.export(ORG_EXPORT, rows=([o.name, …] for o in orgs.iterator()))
        page = listing.page(orgs)
        return render(request, "orgs/org_list.html", listing.context(page, rows=…))

and its template includes "ui/_filter_fields.html" in the filter form, "ui/_pagination.html" below the
table and "ui/_empty_state.html" instead of it when there are no rows; the export link is
`{% querystring export='xlsx' page=None %}`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _

from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.xlsx import Sheet, caption, xlsx_response


class ListFilters(Protocol):
    """What a list asks of its filter form (shanghui.ui.forms.FilterForm gives it)."""

    def audit_detail(self) -> dict[str, Any]: ...


F = TypeVar("F", bound=ListFilters)


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, per_page: int | None = None, count: int | None = None
) -> Page[Any]:
    """A page of `queryset` (`?page=`); `count`, when the caller already knows how many rows it has,
    spares counting them again."""
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: set here, it is not computed
    # get_page() turns a bad or out-of-range page number into the nearest valid page.
    return paginator.get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Export:
    """A list's Excel export: the file's and sheet's name, the columns, and how its audit row reads."""

    name: str
    headers: Sequence[str]
    action: AuditAction
    object_type: str = ""
    # A title row above the headers (the list's name, its filters, the time). Off for a file meant to
    # be imported back, whose first row must be the header (the catalogue).
    caption: bool = True


class _Counted:
    """The rows, counted as the file is written: the audit row says how many left."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def caption_for(export: Export, form: Any = None) -> str:
    """The title row of a list's file: what it is, what it was filtered by, when it was made."""
    filters = []
    data = getattr(form, "cleaned_data", None) or {}
    for name, value in data.items():
        if value in (None, "", [], False) or name == getattr(form, "search_field", None):
            continue
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        shown = value
        choices = dict(getattr(field, "choices", []) or []) if field is not None else {}
        if not hasattr(value, "pk") and choices and value in choices:
            shown = choices[value]
        filters.append(f"{label}：{shown}")
    if data.get(getattr(form, "search_field", "q") or "q"):
        filters.append(_("含搜索条件"))
    if form is None:
        return caption(export.name)
    return caption(export.name, filters="；".join(filters) or _("无（全部）"))


def export_xlsx(
    request: HttpRequest,
    export: Export,
    rows: Iterable[Sequence[Any]],
    *,
    detail: Mapping[str, Any],
    form: Any = None,
) -> FileResponse:
    """The download of `rows` and its audit row (`detail` and the number of rows; never personal data).
    Every export of a list goes through here, so every one escapes formulas (lib/xlsx.py) and is audited."""
    counted = _Counted(rows)
    caption = caption_for(export, form) if export.caption else ""
    response = xlsx_response(
        filename=export.name, sheets=[Sheet(export.name, export.headers, counted, caption=caption)]
    )
    # Recorded after the file is written, so the row count is known; if writing the audit row fails, no
    # file is sent.
    record(
        actor=request.user,
        action=export.action,
        object_type=export.object_type,
        request=request,
        detail={**detail, "rows": counted.count},
    )
    return response


class Listing(Generic[F]):
    """One request to a list page. `filtered` is whether the query string holds anything besides the
    page (and the names in `ignore`, such as a queue tab): the empty state then offers to clear the
    filters rather than saying there is nothing yet."""

    def __init__(self, request: HttpRequest, form: F, *, ignore: Iterable[str] = ()) -> None:
        self.request = request
        self.form = form
        skipped = {"page", "export", *ignore}
        self.filtered = any(v for k, v in request.GET.items() if k not in skipped)

    @property
    def exporting(self) -> bool:
        return self.request.GET.get("export") == "xlsx"

    def export(
        self, export: Export, rows: Iterable[Sequence[Any]], *, detail: Mapping[str, Any] | None = None
    ) -> FileResponse:
        """The Excel file of the filtered rows; its audit row names the filters (FilterForm.audit_detail)
        and whatever `detail` adds."""
        return export_xlsx(
            self.request, export, rows, detail={**self.form.audit_detail(), **(detail or {})}, form=self.form
        )

    def page(
        self, queryset: QuerySet[Any], *, per_page: int | None = None, count: int | None = None
    ) -> Page[Any]:
        return paginate(self.request, queryset, per_page=per_page, count=count)

    def context(self, page: Page[Any], **extra: Any) -> dict[str, Any]:
        """What every list template reads — form, page, filtered — and the page's own values."""
        return {"form": self.form, "page": page, "filtered": self.filtered, **extra}
