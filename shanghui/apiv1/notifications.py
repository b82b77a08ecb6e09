"""/api/v1/notifications/: the caller's own in-app notifications (the bell and /notifications/).
Someone else's notification is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cursor import PageParams, keyset_page, page_of
from shanghui.apiv1.errors import with_errors
from shanghui.lib.bounds import Int
from shanghui.notify.models import Notification
from shanghui.notify.services import mark_read, unread_count

router = Router(tags=["站内消息"])


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str = Field(description="相关页面（本站路径），如 /cases/42/")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="只看未读")


class UnreadOut(Schema):
    unread: int


class ReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Int] | None = Field(None, max_length=500, description="要标为已读的消息 id；不填为全部")


class ReadOut(Schema):
    marked: int = Field(description="这次标为已读的条数")
    unread: int


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get("", response=with_errors({200: NotificationPage}), summary="我的站内消息（新的在前）")
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    notifications = Notification.objects.filter(user=user_of(request))
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    rows, cursor = keyset_page(
        notifications, filters, keys=[("created_at", dt.datetime), ("id", int)], descending=True
    )
    return page_of(rows, cursor, notification_json)


@router.get("/unread-count", response=with_errors({200: UnreadOut}), summary="未读条数")
def count_unread(request: HttpRequest) -> dict[str, Any]:
    return {"unread": unread_count(user_of(request))}


@router.post("/read", response=with_errors({200: ReadOut}), summary="标为已读（指定的或全部）")
def read_many(request: HttpRequest, payload: ReadIn) -> dict[str, Any]:
    user = user_of(request)
    marked = mark_read(user=user, ids=payload.ids)
    return {"marked": marked, "unread": unread_count(user)}


@router.post("/{notification_id}/read", response=with_errors({200: ReadOut}), summary="标记一条为已读")
def read_one(request: HttpRequest, notification_id: Int) -> dict[str, Any]:
    user = user_of(request)
    if not Notification.objects.filter(user=user, pk=notification_id).exists():
        raise Http404("消息不存在")
    marked = mark_read(user=user, ids=[notification_id])
    return {"marked": marked, "unread": unread_count(user)}
