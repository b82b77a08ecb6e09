"""Who sees and changes the notification settings. The only place these rules live.

* Personal preferences and the inbox: every logged-in person, their own only.
* Group robots: administrators (federation, chamber, department admins) of the robot's organisation or
  of an organisation above it; anyone else gets a 404 for a robot and a 403 for the pages as a whole.
* Failed notifications: the same administrators, for notifications about their organisations (a case's
  proxy point or window), their robots, and their people.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.notify.models import ChannelConfig, OutboxMessage
from shanghui.orgs.access import scope_for
from shanghui.orgs.models import ADMIN_ROLES, Membership


def can_manage_notifications(user: User) -> bool:
    return scope_for(user).has_role(*ADMIN_ROLES)


def channel_configs_for_user(user: User) -> QuerySet[ChannelConfig]:
    return ChannelConfig.objects.filter(scope_for(user).subtree_q("organisation", roles=ADMIN_ROLES))


def get_channel_config_for_user(user: User, config_id: int) -> ChannelConfig:
    config = channel_configs_for_user(user).filter(pk=config_id).select_related("organisation").first()
    if config is None:
        raise Http404("群机器人不存在或无权查看")
    return config


def outbox_for_user(user: User) -> QuerySet[OutboxMessage]:
    scope = scope_for(user)
    if scope.is_superuser:
        return OutboxMessage.objects.all()
    people = Membership.objects.filter(scope.subtree_q("organisation", roles=ADMIN_ROLES)).values("user_id")
    return OutboxMessage.objects.filter(
        scope.subtree_q("organisation", roles=ADMIN_ROLES)
        | scope.subtree_q("config__organisation", roles=ADMIN_ROLES)
        # A notification about no organisation (a reminder written without one): its recipient's admins.
        | Q(organisation__isnull=True, config__isnull=True, recipient_id__in=people)
    )


def get_outbox_message_for_user(user: User, message_id: int) -> OutboxMessage:
    message = outbox_for_user(user).filter(pk=message_id).first()
    if message is None:
        raise Http404("通知不存在或无权查看")
    return message
