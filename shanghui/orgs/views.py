"""Organisation and member pages. Each view: decorators, access check, form, one service call, response.

Access answers (shanghui/orgs/access.py): an object the user cannot see is a 404, one they see but may
not change is a 403. Pages for a whole feature the user has no role for (an account without any role
on the organisation list; an agent on the member pages) are a 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.orgs import services
from shanghui.orgs.access import (
    can_admin_member,
    can_admin_org,
    can_revoke_membership,
    can_view_members,
    get_member_for_user,
    get_organisation_for_user,
    has_any_role,
    members_for_user,
    organisations_administered_by,
    organisations_for_user,
    parent_choices_for_user,
    scope_for,
)
from shanghui.orgs.forms import (
    KIND_FIELDS,
    GrantRoleForm,
    MemberCreateForm,
    MemberEditForm,
    MemberFilterForm,
    OrganisationForm,
    OrgFilterForm,
    organisation_initial,
    role_choices,
)
from shanghui.orgs.models import ALLOWED_PARENTS, PATH_STEP, Membership, Organisation, OrgKind
from shanghui.orgs.regions import region_names
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing

EXPORT_CHUNK = 500


def _id_or_404(raw: str | None) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise Http404(_("无效的编号")) from None


def _require_roles(user: User) -> None:
    if not has_any_role(user):
        raise PermissionDenied(_("您的账号还没有在任何组织中担任角色"))


def _require_member_reader(user: User) -> None:
    if not can_view_members(user):
        raise PermissionDenied(_("您的角色不能查看成员信息"))


# --- Organisation list and export ------------------------------------------------------------------


def _ancestor_ids(org: Organisation) -> list[int]:
    return [int(org.path[i : i + PATH_STEP]) for i in range(0, len(org.path) - PATH_STEP, PATH_STEP)]


def _ancestor_paths(orgs: Sequence[Organisation], names: dict[int, str]) -> dict[int, str]:
    """The "上级 / 上级" text of each organisation; `names` caches ancestor names across calls."""
    missing = {pk for org in orgs for pk in _ancestor_ids(org)} - names.keys()
    if missing:
        for pk, name, short in Organisation.objects.filter(pk__in=missing).values_list(
            "pk", "name", "short_name"
        ):
            names[pk] = short or name
    return {org.pk: " / ".join(names.get(pk, "") for pk in _ancestor_ids(org)) for org in orgs}


def _member_counts(orgs: Sequence[Organisation]) -> dict[int, int]:
    rows = (
        Membership.objects.filter(organisation__in=[org.pk for org in orgs])
        .values("organisation_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    return {row["organisation_id"]: row["n"] for row in rows}


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@login_required
def org_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_roles(user)
    listing = Listing(request, OrgFilterForm(request.GET, user=user))
    orgs = listing.form.apply(organisations_for_user(user)).order_by("path")
    if listing.exporting:
        return listing.export(ORG_EXPORT, _org_export_rows(orgs))
    page = listing.page(orgs)
    rows = list(page.object_list)
    paths = _ancestor_paths(rows, {})
    counts = _member_counts(rows)
    regions = region_names(org.region_code for org in rows)
    # The list is in tree order (by path): each row is indented below the shallowest on the page.
    top = min((org.depth for org in rows), default=0)
    for org in rows:
        org.indent = min(org.depth - top, 5)
        org.region_name = regions.get(org.region_code, org.region_code)
    context = listing.context(
        page,
        rows=[(org, paths[org.pk], counts.get(org.pk, 0)) for org in rows],
        can_create=parent_choices_for_user(user).exists(),
    )
    return render(request, "orgs/org_list.html", context)


ORG_EXPORT = Export(
    name="组织机构", action=AuditAction.ORG_EXPORT, object_type="orgs.organisation",
    headers=(
        "名称", "简称", "类型", "商会类型", "上级组织", "所在城市", "行政区划代码", "统一社会信用代码", "成员数", "状态",
    ),
)  # fmt: skip


def _org_export_rows(orgs: QuerySet[Organisation]) -> Iterator[list[Any]]:
    names: dict[int, str] = {}
    for chunk in _chunks(orgs.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        paths = _ancestor_paths(chunk, names)
        counts = _member_counts(chunk)
        for org in chunk:
            yield [
                org.name, org.short_name, org.get_kind_display(), org.get_chamber_kind_display(),
                paths[org.pk], org.city, org.region_code, org.credit_code, counts.get(org.pk, 0),
                _("启用") if org.is_active else _("停用"),
            ]  # fmt: skip


# --- Organisation detail, create, edit ---------------------------------------------------------------


def _child_kinds(parent_kind: str | None) -> list[tuple[str, str]]:
    return [(kind.value, str(kind.label)) for kind in OrgKind if parent_kind in ALLOWED_PARENTS[kind]]


@login_required
def org_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = _user(request)
    org = get_organisation_for_user(user, org_id)
    scope = scope_for(user)
    ancestors = [(a, scope.covers(a)) for a in org.ancestors()]
    children = list(org.children.order_by("kind", "name"))
    counts = _member_counts([org, *children])
    groups: dict[str, dict[str, Any]] = {}
    for child in children:
        group = groups.setdefault(
            child.kind, {"label": child.get_kind_display(), "kind": child.kind, "rows": []}
        )
        group["rows"].append((child, counts.get(child.pk, 0)))
    memberships = list(
        Membership.objects.filter(organisation=org)
        .select_related("user")
        .order_by("role", "user__name")[:100]
    )
    can_admin = can_admin_org(user, org)
    context = {
        "org": org,
        "ancestors": ancestors,
        "child_groups": list(groups.values()),
        "member_count": counts.get(org.pk, 0),
        "memberships": memberships,
        "can_admin": can_admin,
        "can_view_members": can_view_members(user),
        "child_kinds": _child_kinds(org.kind) if can_admin and org.is_active else [],
    }
    return render(request, "orgs/org_detail.html", context)


@login_required
def org_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    parent = None
    if request.GET.get("parent"):
        # Creating under a parent requires admin over the parent.
        parent = get_organisation_for_user(user, _id_or_404(request.GET["parent"]), write=True)
    elif not parent_choices_for_user(user).exists():
        raise PermissionDenied(_("您没有新建组织的权限"))
    kind = request.GET.get("kind", "")
    if kind not in KIND_FIELDS:
        kinds = _child_kinds(parent.kind) if parent else [(k.value, str(k.label)) for k in OrgKind]
        return render(request, "orgs/org_kind_choice.html", {"parent": parent, "kinds": kinds})
    form = OrganisationForm(request.POST or None, kind=kind, user=user, initial={"parent": parent})
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(actor=user, request=request, kind=kind, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新建组织“%(name)s”") % {"name": org.name})
            return redirect("orgs:detail", org_id=org.pk)
    context = {"form": form, "kind": kind, "kind_label": OrgKind(kind).label, "parent": parent, "org": None}
    return render(request, "orgs/org_form.html", context)


@login_required
def org_edit(request: HttpRequest, org_id: int) -> HttpResponse:
    user = _user(request)
    org = get_organisation_for_user(user, org_id, write=True)
    form = OrganisationForm(
        request.POST or None, kind=org.kind, user=user, instance=org, initial=organisation_initial(org)
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.update_organisation(actor=user, org=org, request=request, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”") % {"name": org.name})
            return redirect("orgs:detail", org_id=org.pk)
    context = {
        "form": form,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "parent": org.parent,
        "org": org,
    }
    return render(request, "orgs/org_form.html", context)


# --- Member list and export --------------------------------------------------------------------------


def _visible_memberships(user: User) -> Prefetch:
    """Prefetch only the roles the viewer may see: a chamber admin does not learn that one of the
    chamber's members also works for the federation."""
    held = Membership.objects.filter(scope_for(user).subtree_q("organisation")).select_related("organisation")
    return Prefetch(
        "memberships", queryset=held.order_by("organisation__path", "role"), to_attr="visible_memberships"
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require_member_reader(user)
    listing = Listing(request, MemberFilterForm(request.GET, user=user))
    members = listing.form.apply(members_for_user(user)).order_by("name", "username")
    if listing.exporting:
        return listing.export(MEMBER_EXPORT, _member_export_rows(members, _visible_memberships(user)))
    page = listing.page(members.prefetch_related(_visible_memberships(user)))
    context = listing.context(page, can_create=organisations_administered_by(user).exists())
    return render(request, "orgs/member_list.html", context)


MEMBER_EXPORT = Export(
    name="成员", action=AuditAction.MEMBER_EXPORT, object_type="accounts.user",
    headers=(
        "用户名", "姓名", "手机号（脱敏）", "电子邮箱", "角色", "状态", "最近登录",
    ),
)  # fmt: skip


def _member_export_rows(members: QuerySet[User], prefetch: Prefetch) -> Iterator[list[Any]]:
    # Chunks with their own prefetch: iterator() alone would prefetch nothing.
    for chunk in _chunks(members.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        prefetch_related_objects(chunk, prefetch)
        for member in chunk:
            roles = "；".join(
                f"{m.organisation.short_name or m.organisation.name}·{m.get_role_display()}"
                for m in member.visible_memberships
            )
            yield [
                member.username, member.name, member.masked_mobile, member.email, roles,
                _("启用") if member.is_active else _("停用"), member.last_login,
            ]  # fmt: skip


# --- Member detail, create, edit ---------------------------------------------------------------------


def _member_detail_context(
    request: HttpRequest, member: User, *, grant_form: GrantRoleForm | None = None, id_number: str = ""
) -> dict[str, Any]:
    user = _user(request)
    memberships = list(
        Membership.objects.filter(scope_for(user).subtree_q("organisation"), user=member)
        .select_related("organisation")
        .order_by("organisation__path", "role")
    )
    can_grant = organisations_administered_by(user).exists()
    if grant_form is None and can_grant:
        grant_form = GrantRoleForm(user=user, member=member)
    can_edit = can_admin_member(user, member)
    return {
        "member": member,
        "memberships": [(m, can_revoke_membership(user, m)) for m in memberships],
        "can_edit": can_edit,
        "can_reveal": can_edit and bool(member.id_number),
        "grant_form": grant_form if can_grant else None,
        "id_number": id_number,
    }


@login_required
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = get_member_for_user(user, member_id)
    _require_member_reader(user)
    return render(request, "orgs/member_detail.html", _member_detail_context(request, member))


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    org = None
    org_param = request.GET.get("org") or request.GET.get("organisation")
    if org_param:
        org = get_organisation_for_user(user, _id_or_404(org_param), write=True)
    elif not organisations_administered_by(user).exists():
        raise PermissionDenied(_("您没有新增成员的权限"))
    form = MemberCreateForm(request.POST or None, user=user, initial={"organisation": org})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.create_member(actor=user, request=request, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已新增成员“%(name)s”") % {"name": member.display_name})
            return redirect("orgs:member_detail", member_id=member.pk)
    return render(request, "orgs/member_form.html", {"form": form, "member": None, "org": org})


@login_required
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = get_member_for_user(user, member_id, write=True)
    form = MemberEditForm(request.POST or None, member=member, actor=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(actor=user, member=member, request=request, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已保存成员信息"))
            return redirect("orgs:member_detail", member_id=member.pk)
    return render(request, "orgs/member_form.html", {"form": form, "member": member, "org": None})


@login_required
def role_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the role select for one organisation (htmx, when the organisation changes)."""
    user = _user(request)
    org = get_organisation_for_user(user, _id_or_404(request.GET.get("organisation")), write=True)
    return render(request, "orgs/_role_options.html", {"choices": role_choices(user, org)})


# --- Roles and the ID number (POST only) -------------------------------------------------------------


@login_required
@require_POST
def member_grant(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = get_member_for_user(user, member_id)
    if not organisations_administered_by(user).exists():
        raise PermissionDenied(_("您没有分配角色的权限"))
    form = GrantRoleForm(request.POST, user=user, member=member)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_role(actor=user, user=member, request=request, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("已授予角色"))
            return redirect("orgs:member_detail", member_id=member.pk)
    context = _member_detail_context(request, member, grant_form=form)
    return render(request, "orgs/member_detail.html", context)


@login_required
@require_POST
def member_revoke(request: HttpRequest, member_id: int, membership_id: int) -> HttpResponse:
    user = _user(request)
    member = get_member_for_user(user, member_id)
    visible = Membership.objects.filter(scope_for(user).subtree_q("organisation"), user=member)
    membership = get_object_or_404(visible.select_related("organisation", "user"), pk=membership_id)
    if not can_revoke_membership(user, membership):
        raise PermissionDenied(_("您不能撤销该角色"))
    if member.pk == user.pk:
        messages.error(request, _("不能撤销自己的角色，请联系上级管理员"))
    elif not Membership.objects.filter(user=member).exclude(pk=membership.pk).exists():
        # Without any role the person drops out of every list and nobody could manage the account.
        messages.error(request, _("这是该成员的最后一个角色，不能撤销；如该成员已离开，请在“编辑”中停用账号"))
    else:
        services.revoke_role(actor=user, membership=membership, request=request)
        messages.success(request, _("已撤销角色"))
        if not members_for_user(user).filter(pk=member.pk).exists():
            return redirect("orgs:member_list")
    return redirect("orgs:member_detail", member_id=member.pk)


@login_required
@require_POST
@never_cache
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    user = _user(request)
    member = get_member_for_user(user, member_id, write=True)
    if not member.id_number:
        messages.info(request, _("该成员未登记身份证号"))
        return redirect("orgs:member_detail", member_id=member.pk)
    id_number = services.reveal_id_number(actor=user, member=member, request=request)
    if getattr(request, "htmx", False):
        return render(request, "orgs/_id_number.html", {"member": member, "id_number": id_number})
    context = _member_detail_context(request, member, id_number=id_number)
    return render(request, "orgs/member_detail.html", context)
