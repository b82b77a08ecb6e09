"""Who manages a notice (answers objections, finalises): whoever its owner lets take part
(`Access.post`); who reads its staff page: whoever may read the owner. The public page is public while
the notice is open or final. Not visible → 404; visible, not managed → 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.lib.owners import Viewer
from shanghui.publicity.models import Notice
from shanghui.publicity.workflow import publicity_owner


def can_manage(user: User, notice: Notice) -> bool:
    if not user.is_authenticated:
        return False
    return publicity_owner(notice.owner_type).access(Viewer(user=user), notice.owner_id, joined=False).post


def get_notice_for_user(user: User, notice_id: int, *, write: bool = False) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None or not user.is_authenticated:
        raise Http404("公示不存在或无权查看")
    access = publicity_owner(notice.owner_type).access(Viewer(user=user), notice.owner_id, joined=False)
    if not access.read:
        raise Http404("公示不存在或无权查看")
    if write and not access.post:
        raise PermissionDenied("您不能管理该公示")
    return notice


def get_public_notice(notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).exclude(status=Notice.Status.WITHDRAWN).first()
    if notice is None:
        raise Http404("公示不存在")
    return notice
