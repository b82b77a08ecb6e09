"""Who sees and who acts on activities, volunteers' records and certificates. The only place these rules
live; pages and the API both ask here.

* Staff see the activities of the organisations under their memberships (another chamber's → 404).
* Organisers (federation and chamber admins and staff, party officers, lecturers) create and run the
  activities of the organisations under them; approvers (approval.py) approve them.
* Auditors read. Accounts without a role get 403 on the staff pages.
* Volunteers see published activities and their own sign-ups, hours and certificates (volunteer.py says
  who the volunteer of a request is).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.activities.approval import can_approve
from shanghui.activities.models import (
    Activity,
    Certificate,
    HourRecord,
    SignUp,
    Status,
    Team,
    TeamMember,
    Venue,
    Volunteer,
)
from shanghui.activities.workflow import APPROVER, ORGANISER
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import Organisation, OrgKind, Role

ORGANISER_ROLES = frozenset(
    {Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF, Role.CHAMBER_ADMIN, Role.CHAMBER_STAFF, Role.PARTY_OFFICER,
     Role.LECTURER}
)  # fmt: skip
READER_ROLES = ORGANISER_ROLES | {Role.AUDITOR, Role.AGENT}
# Organisations that hold activities: federations, chambers (and their party branches), proxy points.
HOST_KINDS = (OrgKind.FEDERATION, OrgKind.CHAMBER, OrgKind.PROXY_POINT)
# What volunteers see of an activity.
PUBLIC_STATES = (Status.PUBLISHED, Status.IN_PROGRESS, Status.FINISHED, Status.CLOSED, Status.CANCELLED)


def can_use_staff_pages(user: User) -> bool:
    return scope_for(user).has_role(*READER_ROLES)


def require_staff(user: User) -> None:
    if not can_use_staff_pages(user):
        raise PermissionDenied("您的角色不能使用活动管理")


def activities_for_user(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(scope_for(user).subtree_q("organisation", roles=READER_ROLES))


def actor_kinds(user: User, activity: Activity) -> set[str]:
    kinds: set[str] = set()
    if scope_for(user).covers(activity.organisation, roles=ORGANISER_ROLES):
        kinds.add(ORGANISER)
    if can_approve(user, activity):
        kinds.add(APPROVER)
    return kinds


def get_activity_for_user(user: User, activity_id: int, *, write: bool = False) -> Activity:
    activity = (
        activities_for_user(user).select_related("organisation", "kind", "venue", "beneficiary_org")
        .filter(pk=activity_id).first()
    )  # fmt: skip
    if activity is None:
        raise Http404("活动不存在或无权查看")
    if write and ORGANISER not in actor_kinds(user, activity):
        raise PermissionDenied("您不能管理该活动")
    return activity


def host_organisations(user: User) -> QuerySet[Organisation]:
    """Where this user may create activities and venues."""
    return Organisation.objects.filter(
        scope_for(user).subtree_q(roles=ORGANISER_ROLES), kind__in=HOST_KINDS, is_active=True
    ).order_by("path")


def venues_for_user(user: User) -> QuerySet[Venue]:
    return Venue.objects.filter(scope_for(user).subtree_q("organisation", roles=READER_ROLES))


def signups_for_user(user: User) -> QuerySet[SignUp]:
    return SignUp.objects.filter(scope_for(user).subtree_q("activity__organisation", roles=READER_ROLES))


def get_signup_for_user(user: User, signup_id: int, *, write: bool = False) -> SignUp:
    signup = (
        signups_for_user(user)
        .select_related("activity__organisation", "slot", "volunteer")
        .filter(pk=signup_id)
        .first()
    )
    if signup is None:
        raise Http404("报名记录不存在或无权查看")
    if write and ORGANISER not in actor_kinds(user, signup.activity):
        raise PermissionDenied("您不能管理该活动的报名")
    return signup


def hours_for_user(user: User) -> QuerySet[HourRecord]:
    return HourRecord.objects.filter(scope_for(user).subtree_q("organisation", roles=READER_ROLES))


def get_hours_for_user(user: User, record_id: int, *, write: bool = False) -> HourRecord:
    row = (
        hours_for_user(user)
        .select_related("activity__organisation", "volunteer")
        .filter(pk=record_id)
        .first()
    )
    if row is None:
        raise Http404("时长记录不存在或无权查看")
    if write and ORGANISER not in actor_kinds(user, row.activity):
        raise PermissionDenied("您不能审核该活动的时长")
    return row


def volunteers_for_user(user: User) -> QuerySet[Volunteer]:
    """Volunteers who signed up for an activity this user sees, or belong to a team of theirs."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Volunteer.objects.all()
    signed = signups_for_user(user).values("volunteer_id")
    teams = Team.objects.filter(scope.subtree_q("organisation", roles=READER_ROLES)).values(
        "members__volunteer_id"
    )
    return Volunteer.objects.filter(Q(pk__in=signed) | Q(pk__in=teams))


def get_volunteer_for_user(user: User, volunteer_id: int) -> Volunteer:
    volunteer = volunteers_for_user(user).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise Http404("志愿者不存在或无权查看")
    return volunteer


def certificates_for_user(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(scope_for(user).subtree_q("organisation", roles=READER_ROLES))


def get_certificate_for_user(user: User, certificate_id: int, *, write: bool = False) -> Certificate:
    cert = (
        certificates_for_user(user)
        .select_related("volunteer", "organisation")
        .filter(pk=certificate_id)
        .first()
    )
    if cert is None:
        raise Http404("证明不存在或无权查看")
    if write and not scope_for(user).covers(cert.organisation, roles=ORGANISER_ROLES):
        raise PermissionDenied("您不能作废该证明")
    return cert


def can_issue_for(user: User, organisation: Organisation) -> bool:
    return scope_for(user).covers(organisation, roles=ORGANISER_ROLES)


def teams_for_user(user: User) -> QuerySet[Team]:
    return Team.objects.filter(scope_for(user).subtree_q("organisation", roles=READER_ROLES))


def get_team_for_user(user: User, team_id: int, *, write: bool = False) -> Team:
    team = teams_for_user(user).select_related("organisation").filter(pk=team_id).first()
    if team is None:
        raise Http404("志愿服务队不存在或无权查看")
    if write and not scope_for(user).covers(team.organisation, roles=ORGANISER_ROLES):
        raise PermissionDenied("您不能管理该志愿服务队")
    return team


def get_team_member_for_user(user: User, member_id: int) -> TeamMember:
    """An application to a team, for deciding: the team's organisers only (others: 404 / 403)."""
    member = (
        TeamMember.objects.select_related("team__organisation", "volunteer")
        .filter(team__in=teams_for_user(user), pk=member_id)
        .first()
    )
    if member is None:
        raise Http404("申请不存在或无权查看")
    if not scope_for(user).covers(member.team.organisation, roles=ORGANISER_ROLES):
        raise PermissionDenied("您不能审核该志愿服务队的申请")
    return member


# --- Volunteers' side -----------------------------------------------------------------------------------


def public_activities() -> QuerySet[Activity]:
    return Activity.objects.filter(status__in=PUBLIC_STATES)


def get_public_activity(activity_id: int) -> Activity:
    activity = (
        public_activities().select_related("organisation", "kind", "venue").filter(pk=activity_id).first()
    )
    if activity is None:
        raise Http404("活动不存在")
    return activity


def get_own_signup(volunteer: Volunteer, signup_id: int) -> SignUp:
    signup = (
        SignUp.objects.select_related("activity", "slot").filter(pk=signup_id, volunteer=volunteer).first()
    )
    if signup is None:
        raise Http404("报名记录不存在")
    return signup


def get_own_hours(volunteer: Volunteer, record_id: int) -> HourRecord:
    row = HourRecord.objects.select_related("activity").filter(pk=record_id, volunteer=volunteer).first()
    if row is None:
        raise Http404("时长记录不存在")
    return row


def get_own_certificate(volunteer: Volunteer, certificate_id: int) -> Certificate:
    cert = (
        Certificate.objects.select_related("organisation")
        .filter(pk=certificate_id, volunteer=volunteer)
        .first()
    )
    if cert is None:
        raise Http404("证明不存在")
    return cert
