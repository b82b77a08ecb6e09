"""Upload quotas of a proxy case (settings CITIZEN_* and STAFF_*, read by lib/quotas.py): how many files
and megabytes one case may hold, and how much one person may upload in a day.

Counted from what is stored, so nothing is forgotten by a restart: a case's files are its materials
(replaced versions included: they stay on disk) and the files of its conversation; a person's day is the
materials and conversation files they uploaded since midnight, Beijing time — staff by account, a citizen
by the mobile number they proved (materials without an uploader are the applicant's, on their own
cases). The limits are those of whoever uploads: a citizen's are stricter than staff's.

`add_material` checks under the case's row lock, the conversation (through its owner adapter,
proxy/owner.py) under the conversation's, both before anything is stored: a refused upload
changes nothing. Two uploads racing to a case's materials and its conversation at once may each pass the
last free place; the quota is a guard against floods, not an exact count.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from shanghui.accounts.models import User
from shanghui.conversations.models import Message
from shanghui.lib.quotas import MB, megabytes, quotas_for
from shanghui.proxy.models import Case, CaseMaterial
from shanghui.proxy.owner import PROXY_CASE

QUOTA = "quota"  # the ValidationError code of a refusal (the API reports it on the file field)


def check_upload_quota(*, case_id: int, user: User | None, mobile: str = "", size: int) -> None:
    """Raise ValidationError (code "quota", Chinese message) when storing `size` more bytes on the case,
    uploaded by `user` (staff) or by the citizen who proved `mobile` (user None), would exceed a quota."""
    limits = quotas_for(citizen=user is None)
    files, stored = _totals(CaseMaterial.objects.filter(case_id=case_id), _case_messages(case_id))
    if limits.case_files and files >= limits.case_files:
        raise ValidationError(
            gettext("本办件已存有 %(files)d 个文件，达到上限 %(limit)d 个，不能再上传")
            % {"files": files, "limit": limits.case_files},
            code=QUOTA,
        )
    if limits.case_bytes and stored + size > limits.case_bytes:
        raise ValidationError(
            gettext("本办件的文件已有 %(stored)s，再传这个文件将超过上限 %(limit)d MB")
            % {"stored": megabytes(stored), "limit": limits.case_bytes // MB},
            code=QUOTA,
        )
    if limits.daily_bytes:
        _count, today = _totals(*_uploaded_today(user=user, mobile=mobile))
        if today + size > limits.daily_bytes:
            raise ValidationError(
                gettext("您今天已上传 %(today)s，再传这个文件将超过每天 %(limit)d MB 的上限，请明天再传")
                % {"today": megabytes(today), "limit": limits.daily_bytes // MB},
                code=QUOTA,
            )


def _case_messages(case_id: int) -> QuerySet[Message]:
    return Message.objects.filter(conversation__owner_type=PROXY_CASE, conversation__owner_id=case_id)


def _uploaded_today(*, user: User | None, mobile: str) -> tuple[QuerySet[CaseMaterial], QuerySet[Message]]:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if user is not None:
        return (
            CaseMaterial.objects.filter(uploaded_by=user, uploaded_at__gte=midnight),
            Message.objects.filter(author=user, created_at__gte=midnight),
        )
    # Through the citizen's cases (indexed by mobile), not a scan of every message by author_mobile.
    cases = Case.objects.filter(applicant_mobile=mobile).values("pk")
    return (
        CaseMaterial.objects.filter(case__in=cases, uploaded_by=None, uploaded_at__gte=midnight),
        Message.objects.filter(
            conversation__owner_type=PROXY_CASE, conversation__owner_id__in=cases,
            author_role=Message.AuthorRole.CITIZEN, created_at__gte=midnight,
        ),
    )  # fmt: skip


def _totals(materials: QuerySet[CaseMaterial], messages: QuerySet[Message]) -> tuple[int, int]:
    """(files, bytes) of the materials and of the messages that carry a file."""
    m = materials.aggregate(files=Count("pk"), size=Sum("size"))
    f = messages.exclude(file="").aggregate(files=Count("pk"), size=Sum("file_size"))
    return m["files"] + f["files"], (m["size"] or 0) + (f["size"] or 0)
