"""Fixtures of the activities tests: on the shared `world`, a volunteering kind, a venue of the Shanghai
chamber, activities in any state, volunteers."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from shanghui.activities import seed, services
from shanghui.activities.models import Activity, ActivityKind, Slot, StarLevel, Volunteer
from shanghui.activities.workflow import APPROVER, MACHINE, ORGANISER


@pytest.fixture
def act(world: SimpleNamespace) -> SimpleNamespace:
    w = world
    # The kinds and star levels come from a data migration: a transactional test before this one flushed them.
    seed.seed(ActivityKind, StarLevel)
    w.kind = ActivityKind.objects.get(code="volunteer")
    w.study = ActivityKind.objects.get(code="study")
    w.venue = services.save_venue(actor=w.chamber_admin, organisation=w.chamber_a, name="商会党群服务阵地",
                                  address="上海市浦东新区世纪大道100号")  # fmt: skip
    w.start = timezone.now() + dt.timedelta(days=2)

    def new(**kw: Any) -> Activity:
        fields: dict[str, Any] = dict(
            kind=w.kind, title="社区环境整治志愿服务", description="清理小区楼道", venue=w.venue,
            starts_at=w.start, ends_at=w.start + dt.timedelta(hours=4), contact_name="王敏",
            contact_phone="021-58881234",
        )  # fmt: skip
        fields.update(kw)
        organisation = fields.pop("organisation", w.chamber_a)
        slots = fields.pop("slots", [{"role": "引导员", "quantity": 2}])
        return services.create_activity(
            actor=w.chamber_staff, organisation=organisation, slots=slots, **fields
        )

    def moved(activity: Activity, *actions: str) -> Activity:
        for name in actions:
            spec = MACHINE.table[name]
            kind = ORGANISER if ORGANISER in spec.actors else APPROVER
            actor = w.chamber_staff if kind == ORGANISER else w.chamber_admin
            activity = MACHINE.transition(
                pk=activity.pk, action=name, actor=actor, actor_kind=kind, params={"reason": "天气原因"}
            )
        return activity

    def published(**kw: Any) -> Activity:
        return moved(new(**kw), "submit", "approve")

    def volunteer(n: int, **kw: Any) -> Volunteer:
        return services.save_volunteer(mobile=f"1390000{n:04d}", name=kw.pop("name", f"志愿者{n}"), **kw)

    def slot(activity: Activity) -> Slot:
        return activity.slots.get()

    w.new, w.moved, w.published, w.volunteer, w.slot = new, moved, published, volunteer, slot
    return w
