"""The in-app inbox: the user's own notifications, newest first, with mark-as-read. Everyone who is
logged in has an inbox; a notification of someone else is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.accounts.models import User
from shanghui.lib.listing import paginate
from shanghui.notify.models import Notification
from shanghui.notify.services import mark_read, unread_count


def _own(user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404("消息不存在")
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
