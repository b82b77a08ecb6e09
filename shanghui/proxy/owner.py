"""A proxy case as the owner of shared engines' records (its conversation, the 代办群): who may read,
post, see internal notes, join and open files, from the case's own access rules (access.py). Registered in
ProxyConfig.ready() (shanghui/lib/owners.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from shanghui.lib.masking import mask_name
from shanghui.lib.owners import NO_ACCESS, Access, Viewer

PROXY_CASE = "proxy.case"
NEW_MESSAGE = "case.message"
# After a refusal (不予受理) or a termination the applicant still has questions: why, and what now. The
# case group stays open to them for this long after the decision (Case.closed_at); a withdrawn or
# archived (归档) case is read-only for them at once. Staff post as before.
QUESTIONS_AFTER_DECISION = dt.timedelta(days=30)


def citizen_may_post(case: Any) -> bool:
    """Whether the applicant may still write in the case group (see QUESTIONS_AFTER_DECISION)."""
    from shanghui.proxy.models import FINAL_STATUSES, Status

    if case.status not in FINAL_STATUSES:
        return True
    if case.status in (Status.REFUSED, Status.TERMINATED) and case.closed_at is not None:
        return bool(timezone.now() - case.closed_at < QUESTIONS_AFTER_DECISION)
    return False


# The case's fields the answer of CaseOwner.access for reading depends on (who sees it: its point,
# window and department; the applicant's number; how people and the case are named). Status and closing
# time change only whether the applicant may post, which the engine asks afresh at every post.
ACCESS_FIELDS = frozenset(
    {"proxy_point", "proxy_point_id", "window", "window_id", "department", "department_id",
     "applicant_mobile", "applicant_name", "number"}
)  # fmt: skip


def case_saved(
    sender: Any, instance: Any, created: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """post_save/post_delete of a case: its conversation's sockets ask again at their next event when
    what decides who sees it may have changed (a forward to a window, a new point, an edit)."""
    if created or (update_fields is not None and not ACCESS_FIELDS & set(update_fields)):
        return
    from shanghui.conversations.services import access_changed

    access_changed(owner_type=PROXY_CASE, owner_id=instance.pk)


class CaseOwner:
    """Applicant (by proved mobile), the agents of the proxy point and, once forwarded, the clerks of
    the window take part; everyone else who sees the case (federation and chamber staff, department
    admins) reads it and may join; auditors only read. The citizen posts until the case is final, and
    for QUESTIONS_AFTER_DECISION after a refusal or a termination.
    Files open under the case's one rule for its files (proxy.access.can_open_case_files): the agents,
    the clerks and the applicant; supervisors and auditors see that a file was sent, not its content.
    Every change of a case that may change who sees it is announced (case_saved)."""

    announces_access_changes = True

    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        from shanghui.orgs.access import scope_for
        from shanghui.orgs.models import Role
        from shanghui.proxy import access as case_access
        from shanghui.proxy.models import Case
        from shanghui.proxy.workflow import AGENT

        if viewer.user is None:
            case = (
                Case.objects.filter(pk=owner_id, applicant_mobile=viewer.mobile)
                .only("pk", "number", "status", "applicant_name", "closed_at")
                .first()
            )
            if case is None or not viewer.mobile:
                return NO_ACCESS
            return Access(
                read=True, post=citizen_may_post(case), files=True,
                name=f"申请人 {mask_name(case.applicant_name)}", title=gettext("办件%(number)s") % {"number": case.number},
            )  # fmt: skip
        user = viewer.user
        if not user.is_active:
            return NO_ACCESS
        case = (
            case_access.cases_for_user(user)
            .filter(pk=owner_id)
            .only("pk", "number", "proxy_point_id", "window_id")
            .first()
        )
        if case is None:
            return NO_ACCESS
        title = gettext("办件%(number)s") % {"number": case.number}
        kinds = case_access.actor_kinds(user, case)
        files = case_access.can_open_case_files(user, case)
        if kinds:
            label = "代办员" if AGENT in kinds else "窗口人员"
            return Access(
                read=True, post=True, internal=True, files=files, name=f"{label} {user.display_name}",
                title=title,
            )  # fmt: skip
        scope = scope_for(user)
        auditor_only = not scope.is_superuser and all(g.role == Role.AUDITOR for g in scope.grants)
        if auditor_only:
            return Access(
                read=True, internal=True, files=files, name=f"审计 {user.display_name}", title=title
            )
        return Access(
            read=True, post=joined, internal=True, can_join=not joined, files=files,
            name=f"督办 {user.display_name}", title=title,
        )  # fmt: skip

    def citizen_posted(
        self, owner_id: int, *, conversation_id: int, seq: int, author: str, excerpt: str
    ) -> None:
        """新消息: the agents of the point and, once the case is at the window, its clerks hear of the
        citizen's message (bell; SMS or robot as each chose). Bundled: nobody who still has an unread
        新消息 of this case gets another."""
        from shanghui.notify.models import ChannelKind, Notification, OutboxMessage
        from shanghui.notify.services import notify_users
        from shanghui.orgs.models import Role
        from shanghui.proxy.clocks import staff_of
        from shanghui.proxy.models import Case

        case = Case.objects.select_related("proxy_point", "window").get(pk=owner_id)
        recipients = staff_of(case.proxy_point_id, Role.AGENT)
        if case.window_id:
            recipients += staff_of(case.window_id, Role.WINDOW_CLERK)
        subject = f"{PROXY_CASE}:{case.pk}"
        ids = [u.pk for u in recipients]
        told = set(
            Notification.objects.filter(
                user_id__in=ids, read_at__isnull=True, outbox__event=NEW_MESSAGE, outbox__subject=subject
            ).values_list("user_id", flat=True)
        ) | set(
            OutboxMessage.objects.filter(
                recipient_id__in=ids, event=NEW_MESSAGE, subject=subject, channel=ChannelKind.IN_APP,
                state=OutboxMessage.State.PENDING,
            ).values_list("recipient_id", flat=True)
        )  # fmt: skip
        recipients = [u for u in recipients if u.pk not in told]
        if recipients:
            notify_users(
                users=recipients, event=NEW_MESSAGE, key=f"conversation:{conversation_id}:message:{seq}",
                title=f"办件{case.number}：{author}发来新消息", body=excerpt,
                url=reverse("proxy:detail", args=[case.pk]) + "#conversation", subject=subject,
                orgs=[case.proxy_point],
            )  # fmt: skip

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """The case's upload quotas (proxy/quotas.py): its files count together with its materials."""
        from shanghui.proxy.quotas import check_upload_quota

        check_upload_quota(case_id=owner_id, user=viewer.user, mobile=viewer.mobile, size=size)

    def url(self, viewer: Viewer, owner_id: int) -> str:
        if viewer.user is None:
            return reverse("citizen:case", args=[owner_id])
        return reverse("proxy:detail", args=[owner_id])
