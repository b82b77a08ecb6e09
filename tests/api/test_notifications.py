"""/api/v1/notifications: the caller's own inbox."""

from __future__ import annotations

from typing import Any

from shanghui.notify.models import Notification
from tests.api.conftest import error_of


def make(user: Any, title: str, *, read: bool = False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        user=user, title=title, url="/cases/1/", read_at=timezone.now() if read else None
    )


def test_list_count_and_mark_read(world: Any, api_as: Any) -> None:
    old = make(world.agent, "旧消息", read=True)
    first = make(world.agent, "办件待预审")
    second = make(world.agent, "办件已受理")
    make(world.clerk, "别人的消息")
    api = api_as(world.agent)

    listed = api.get("/api/v1/notifications").json()
    assert [n["id"] for n in listed["items"]] == [second.pk, first.pk, old.pk]
    assert [n["id"] for n in api.get("/api/v1/notifications", {"unread": "true"}).json()["items"]] == [
        second.pk,
        first.pk,
    ]
    paged = api.get("/api/v1/notifications", {"limit": 2}).json()
    assert [
        n["id"] for n in api.get("/api/v1/notifications", {"cursor": paged["next_cursor"]}).json()["items"]
    ] == [old.pk]
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 2}

    assert api.post(f"/api/v1/notifications/{first.pk}/read").json() == {"marked": 1, "unread": 1}
    assert api.post("/api/v1/notifications/read", {"ids": [second.pk]}).json() == {"marked": 1, "unread": 0}
    make(world.agent, "新消息")
    assert api.post("/api/v1/notifications/read", {}).json() == {"marked": 1, "unread": 0}


def test_someone_elses_notification_is_404(world: Any, api_as: Any) -> None:
    theirs = make(world.clerk, "别人的消息")
    for user in (world.agent, world.outsider):
        api = api_as(user)
        response = api.post(f"/api/v1/notifications/{theirs.pk}/read")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert api.post("/api/v1/notifications/read", {"ids": [theirs.pk]}).json()["marked"] == 0
        assert api.get("/api/v1/notifications").json()["items"] == []
    theirs.refresh_from_db()
    assert theirs.read_at is None
