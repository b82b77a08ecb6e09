"""Notification pages: the inbox (everyone, their own notifications), the settings grid (everyone,
their own preferences), and for administrators the group robots of their organisations and the
notifications that failed. Each view: decorators, access check, form, one service call, response."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.accounts.models import User
from shanghui.notify import services
from shanghui.notify.access import (
    can_manage_notifications,
    channel_configs_for_user,
    get_channel_config_for_user,
    get_outbox_message_for_user,
    outbox_for_user,
)
from shanghui.notify.channels import describe_target
from shanghui.notify.channels.base import mask_webhook
from shanghui.notify.events import EVENTS, event_label
from shanghui.notify.forms import ChannelConfigForm, FailedFilterForm
from shanghui.notify.models import PERSONAL_CHANNELS, ChannelConfig, ChannelKind, Notification, OutboxMessage
from shanghui.notify.services import mark_read, unread_count
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Listing, paginate

# --- The inbox ----------------------------------------------------------------------------------


def _own(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404(gettext("消息不存在"))
    return notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    unread_only = request.GET.get("unread") == "1"
    notifications = Notification.objects.filter(user=user).order_by("-created_at", "-pk")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = paginate(request, notifications)
    context = {"page": page, "unread_only": unread_only, "unread": unread_count(user)}
    return render(request, "notify/inbox.html", context)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(user=_user(request))
    return redirect("notify:inbox")


@login_required
@require_POST
def read_one(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    mark_read(user=user, ids=[_own(user, notification_id).pk])
    if request.POST.get("back") == "unread":
        return redirect(reverse("notify:inbox") + "?unread=1")
    return redirect("notify:inbox")


@login_required
@require_POST
def open_one(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark as read and go to what the notification is about (a page of this site only)."""
    user = _user(request)
    notification = _own(user, notification_id)
    mark_read(user=user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("notify:inbox")


# --- Personal settings --------------------------------------------------------------------------


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        checked = set(request.POST.getlist("cell"))
        # A channel the person has no address for cannot be switched on (its boxes are disabled).
        usable = {ChannelKind.IN_APP, *([ChannelKind.SMS] if user.mobile else []),
                  *([ChannelKind.EMAIL] if user.email else [])}  # fmt: skip
        grid = {
            (event, str(channel)): channel in usable and f"{event}:{channel}" in checked
            for event in EVENTS
            for channel in PERSONAL_CHANNELS
        }
        changed = services.set_preferences(actor=user, user=user, grid=grid)
        messages.success(
            request,
            ngettext(
                "通知设置已保存（%(count)d 项有变化）。", "通知设置已保存（%(count)d 项有变化）。", changed
            )
            % {"count": changed}
            if changed
            else gettext("通知设置没有变化。"),
        )
        return redirect("notify:preferences")
    current = services.preferences_of(user)
    rows = [
        (event, event_label(event), [(str(c), c.label, current[(event, str(c))]) for c in PERSONAL_CHANNELS])
        for event in EVENTS
    ]
    context = {
        "rows": rows,
        "channels": [(str(c), c.label) for c in PERSONAL_CHANNELS],
        "has_mobile": bool(user.mobile),
        "has_email": bool(user.email),
    }
    return render(request, "notify/preferences.html", context)


# --- Group robots -------------------------------------------------------------------------------


def _require_admin(user: User) -> None:
    if not can_manage_notifications(user):
        raise PermissionDenied(gettext("只有管理员可以配置通知渠道"))


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_admin(user)
    configs = list(
        channel_configs_for_user(user).select_related("organisation").order_by("organisation__path", "name")
    )
    for config in configs:
        config.masked_webhook = mask_webhook(config.webhook_url)  # type: ignore[attr-defined]  # for the template
        config.event_labels = [event_label(e) for e in config.events]  # type: ignore[attr-defined]
    context = {"configs": configs, "tab": "channels", "external_enabled": settings.NOTIFY_EXTERNAL_ENABLED}
    return render(request, "notify/channel_list.html", context)


def _save(request: HttpRequest, user: User, config: ChannelConfig | None) -> HttpResponse:
    form = ChannelConfigForm(
        request.POST or None, user=user, config=config, initial=ChannelConfigForm.initial_for(config)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_channel_config(
                actor=user, config=config, organisation=data["organisation"], kind=data["kind"],
                name=data["name"], webhook_url=data["webhook_url"], secret=data["secret"], events=data["events"],
                msg_format=data["msg_format"], mention=data["mention"], enabled=data["enabled"],
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已保存群机器人“{saved.name}”。可以点“发送测试消息”检查配置。")
            return redirect("notify:channel_list")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "config": config, "tab": "channels"}
    return render(request, "notify/channel_form.html", context, status=status)


@login_required
def channel_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_admin(user)
    return _save(request, user, None)


@login_required
def channel_edit(request: HttpRequest, config_id: int) -> HttpResponse:
    user = _user(request)
    return _save(request, user, get_channel_config_for_user(user, config_id))


@login_required
@require_POST
def channel_toggle(request: HttpRequest, config_id: int) -> HttpResponse:
    user = _user(request)
    config = get_channel_config_for_user(user, config_id)
    config = services.set_channel_enabled(
        actor=user, config=config, enabled=request.POST.get("enabled") == "1"
    )
    messages.success(
        request, f"已{gettext('启用') if config.enabled else gettext('停用')}群机器人“{config.name}”。"
    )
    return redirect("notify:channel_list")


@login_required
@require_POST
def channel_test(request: HttpRequest, config_id: int) -> HttpResponse:
    user = _user(request)
    config = get_channel_config_for_user(user, config_id)
    result = services.send_test_message(actor=user, config=config)
    (messages.success if result.ok else messages.error)(request, f"“{config.name}”：{result.message}")
    return redirect("notify:channel_list")


# --- Failed notifications -----------------------------------------------------------------------


@login_required
def failed_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_admin(user)
    listing = Listing(request, FailedFilterForm(request.GET))
    rows = (
        listing.form.apply(outbox_for_user(user))
        .select_related("recipient", "config", "organisation")
        .order_by("-pk")
    )
    page = listing.page(rows)
    for message in page.object_list:
        message.target = describe_target(message)
        message.event_name = event_label(message.event)
    context = listing.context(page, tab="failed")
    return render(request, "notify/failed_list.html", context)


@login_required
@require_POST
def failed_resend(request: HttpRequest, message_id: int) -> HttpResponse:
    user = _user(request)
    message = get_outbox_message_for_user(user, message_id)
    count = services.resend(actor=user, messages=OutboxMessage.objects.filter(pk=message.pk))
    if count:
        messages.success(request, gettext("已重新加入发送队列。"))
    else:
        messages.info(request, gettext("这条通知已不在失败状态，无需重新发送。"))
    back = request.POST.get("next", "")
    # A path of this site only: redirect() would take "0" or "notify:inbox" for a view name.
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notify:failed_list")
