"""A whole programme on the kernel, as small as one can be: an errand (跑腿) a requester asks for and a
helper does within two working days, with its own conversation. Tables are made by the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models

from shanghui.lib.owners import NO_ACCESS, Access, Viewer
from shanghui.workflow.clocks import Clocks, ClockSpec, Period
from shanghui.workflow.machine import SYSTEM, Machine, action, table
from shanghui.workflow.models import EventBase

REQUESTER, HELPER = "requester", "helper"


class Errand(models.Model):
    class Status(models.TextChoices):
        DRAFT, OPEN, DONE, CANCELLED = "draft", "open", "done", "cancelled"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=100, blank=True)
    opened_at = models.DateTimeField(null=True)
    due_at = models.DateTimeField(null=True)
    done_at = models.DateTimeField(null=True)
    paused_at = models.DateTimeField(null=True)

    objects: models.Manager[Errand] = models.Manager()

    class Meta:
        app_label = "workflow"


class ErrandEvent(EventBase):
    errand = models.ForeignKey(Errand, on_delete=models.CASCADE, related_name="events")

    class Meta:
        app_label = "workflow"


S = Errand.Status
CLOCKS = Clocks(
    ClockSpec("reply", "办理时限", runs_in={S.OPEN}, started="opened_at", due="due_at", ended="done_at")
)


def _open(errand: Errand, params: dict[str, Any], now: dt.datetime) -> list[str]:
    return CLOCKS.start(errand, "reply", now, Period(2))


def _finish(errand: Errand, params: dict[str, Any], now: dt.datetime) -> list[str]:
    errand.result = params["result"]
    return ["result", *CLOCKS.stop(errand, "reply", now)]


MACHINE: Machine[Errand] = Machine(
    model=Errand,
    events=ErrandEvent,
    event_fk="errand",
    noun="跑腿",
    actor_labels={REQUESTER: "委托人"},
    table=table(
        action("open", "发布", {S.DRAFT}, S.OPEN, {REQUESTER}),
        action("finish", "办完", {S.OPEN}, S.DONE, {HELPER}, required=("result",)),
        action("cancel", "取消", {S.DRAFT, S.OPEN}, S.CANCELLED, {REQUESTER, SYSTEM}),
    ),
    effects={"open": _open, "finish": _finish},
)


class ErrandOwner:
    """Its conversation: the requester and the helper take part; nobody else sees it."""

    def access(self, viewer: Viewer, owner_id: int, *, joined: bool) -> Access:
        people = Errand.objects.filter(pk=owner_id).values_list("requester_id", "helper_id").first()
        if people is None or viewer.user is None or viewer.user.pk not in people:
            return NO_ACCESS
        return Access(read=True, post=True, name=viewer.user.display_name, title=f"跑腿{owner_id}")

    def url(self, viewer: Viewer, owner_id: int) -> str:
        return f"/errands/{owner_id}/"

    def check_upload(self, viewer: Viewer, owner_id: int, size: int) -> None:
        """Its quotas: none beyond the size of one file (a real programme counts its files, as
        proxy/quotas.py does)."""
