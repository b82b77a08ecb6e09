"""Who sees and who acts on proxy cases. The only place these rules live.

Staff see a case when its proxy point, its window or its department lies under one of their
case-handling roles: a federation sees every case below it, a chamber its points' cases, an agent their
point's, a window clerk what was forwarded to their window, a department admin their department's.
Who may act is narrower: agents of the case's point act as "agent", clerks of its window as "clerk".
Everyone else who sees a case reads it (auditors, federation and chamber staff, department admins).
Citizens see the cases of the mobile number they proved with a one-time code (session key below).
A case's files — materials, result documents, conversation attachments — carry personal data (ID card
scans): one rule for all of them, `can_open_case_files`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext

from shanghui.accounts.citizen import verified_mobile
from shanghui.accounts.models import User
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy.models import Case, FollowUp
from shanghui.proxy.workflow import AGENT, CLERK, MACHINE

CASE_ROLES = (
    Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF, Role.AGENT,
    Role.DEPARTMENT_ADMIN, Role.WINDOW_CLERK, Role.AUDITOR,
)  # fmt: skip
# Case roles that also see every case of a department below them (not only their points' and windows').
DEPARTMENT_READER_ROLES = (Role.DEPARTMENT_ADMIN, Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.AUDITOR)
FILES_REFUSED = "办件的文件含个人信息，只有该办件的代办员、受理窗口人员和申请人可以打开"


def cases_for_user(user: User) -> QuerySet[Case]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Case.objects.all()
    q = (
        scope.subtree_q("proxy_point", roles=CASE_ROLES)
        | scope.subtree_q("window", roles=CASE_ROLES)
        | scope.subtree_q("department", roles=DEPARTMENT_READER_ROLES)
    )
    return Case.objects.filter(q)


def actor_kinds(user: User, case: Case) -> set[str]:
    """The workflow roles this user holds on this case (empty: read only)."""
    scope = scope_for(user)
    kinds: set[str] = set()
    if case.proxy_point_id and any(
        g.role == Role.AGENT and g.org_id == case.proxy_point_id for g in scope.grants
    ):
        kinds.add(AGENT)
    if case.window_id and any(
        g.role == Role.WINDOW_CLERK and g.org_id == case.window_id for g in scope.grants
    ):
        kinds.add(CLERK)
    return kinds


# What the pages and the API read with a case: what the workflow machine reads with it under the lock,
# so that a case read here with lock=True can be moved by it (transition(locked=…)).
CASE_RELATED = MACHINE.select_related


def get_case_for_user(user: User, case_id: int, *, write: bool = False, lock: bool = False) -> Case:
    """The case as `user` sees it (Http404 when they do not; PermissionDenied when `write` and they may
    only read it). `lock`: the case's row locked for the caller's transaction (FOR UPDATE OF the case
    alone), so that one read serves the access check and the workflow transition that follows."""
    cases = cases_for_user(user).select_related(*CASE_RELATED)
    if lock:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise Http404(gettext("办件不存在或无权查看"))
    if write and not actor_kinds(user, case):
        raise PermissionDenied("您只能查看该办件，不能办理")
    return case


def can_open_case_files(user: User, case: Case) -> bool:
    """Who opens a case's files (materials, result documents, conversation attachments alike): the agents
    of its proxy point and the clerks of its window — the people who handle it. The applicant opens the
    files of their own case on the citizen pages (internal notes never reach them). Everyone else who sees
    the case (federation and chamber staff, department admins, auditors, superusers) sees that a file
    exists — its name, size and time — but not its content: supervising a case does not need the ID card
    scan, and every file opened is one more copy of it."""
    return bool(actor_kinds(user, case))


def get_case_files_for_user(user: User, case_id: int) -> Case:
    """The case whose files this user may open: 404 when the case is not visible, 403 when it is but its
    files are not for this user."""
    case = get_case_for_user(user, case_id)
    if not can_open_case_files(user, case):
        raise PermissionDenied(FILES_REFUSED)
    return case


def cases_for_citizen(request: HttpRequest) -> QuerySet[Case]:
    mobile = verified_mobile(request)
    if not mobile:
        return Case.objects.none()
    return Case.objects.filter(applicant_mobile=mobile)


def get_case_for_citizen(request: HttpRequest, case_id: int) -> Case:
    case = cases_for_citizen(request).select_related("item_version", "proxy_point").filter(pk=case_id).first()
    if case is None:
        raise Http404("办件不存在")
    return case


def case_by_query_code(number: str, query_code: str) -> Case | None:
    """The public tracking page: case number and query code together, no login."""
    if not number or not query_code:
        return None
    return Case.objects.filter(Q(number=number.strip()) & Q(query_code=query_code.strip().upper())).first()


# --- Staff pages ----------------------------------------------------------------------------------


def can_use_case_pages(user: User) -> bool:
    """Whether the case list, statistics and follow-up pages are for this user at all."""
    scope = scope_for(user)
    return scope.is_superuser or scope.has_role(*CASE_ROLES)


def intake_points(user: User) -> QuerySet[Organisation]:
    """The active proxy points where this user takes cases in as an agent."""
    org_ids = [g.org_id for g in scope_for(user).grants if g.role == Role.AGENT]
    return Organisation.objects.filter(pk__in=org_ids, kind=OrgKind.PROXY_POINT, is_active=True).order_by(
        "path"
    )


# --- Bad-rating follow-ups (整改) ----------------------------------------------------------------

# Supervisors of a follow-up: an admin strictly above the responsible window or point.
FOLLOW_UP_SUPERVISOR_ROLES = (Role.FEDERATION_ADMIN, Role.DEPARTMENT_ADMIN, Role.CHAMBER_ADMIN)
RESPONSIBLE_MOVES = frozenset({"answer", "appeal"})
SUPERVISOR_MOVES = frozenset({"close", "reopen", "uphold_appeal", "reject_appeal"})


def follow_ups_for_user(user: User) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(rating__case__in=cases_for_user(user).values("pk"))


def get_follow_up_for_user(user: User, follow_up_id: int) -> FollowUp:
    follow_up = (
        follow_ups_for_user(user)
        .select_related("rating", "rating__case", "responsible")
        .filter(pk=follow_up_id)
        .first()
    )
    if follow_up is None:
        raise Http404("整改记录不存在或无权查看")
    return follow_up


def follow_up_moves(user: User, follow_up: FollowUp) -> frozenset[str]:
    """What this user may do with a follow-up (services.FOLLOW_UP_MOVES names): the responsible side —
    clerks of the window or agents of the point it names — answers or appeals; a supervisor (the
    federation admin above, the department's admin, the chamber's admin) closes, reopens and decides
    appeals. Whether the move fits the follow-up's state is the service's check."""
    scope = scope_for(user)
    responsible = follow_up.responsible
    moves: set[str] = set()
    responsible_role = Role.WINDOW_CLERK if responsible.kind == OrgKind.WINDOW else Role.AGENT
    if any(g.org_id == responsible.pk and g.role == responsible_role for g in scope.grants):
        moves |= RESPONSIBLE_MOVES
    if scope.is_superuser or any(
        g.role in FOLLOW_UP_SUPERVISOR_ROLES
        and responsible.path.startswith(g.path)
        and responsible.path != g.path
        for g in scope.grants
    ):
        moves |= SUPERVISOR_MOVES
    return frozenset(moves)
