"""Sign-up: places, the waitlist in order, cancelling until the deadline, double booking refused, the
organiser's moves, requirements."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shanghui.activities import services
from shanghui.activities.models import Activity, SignUp, SignUpState, Status


def states(activity: Activity) -> list[tuple[str, str]]:
    return list(
        SignUp.objects.filter(activity=activity).order_by("pk").values_list("volunteer__name", "state")
    )


def test_the_last_place_is_confirmed_the_next_person_waitlisted_and_promoted_when_it_frees(
    act: SimpleNamespace,
) -> None:
    activity = act.published(slots=[{"role": "引导员", "quantity": 1}])
    slot = act.slot(activity)
    a, b, c = act.volunteer(1), act.volunteer(2), act.volunteer(3)

    first = services.sign_up(volunteer=a, slot=slot)
    services.sign_up(volunteer=b, slot=slot)
    services.sign_up(volunteer=c, slot=slot)
    assert states(activity) == [
        ("志愿者1", "confirmed"),
        ("志愿者2", "waitlisted"),
        ("志愿者3", "waitlisted"),
    ]

    services.cancel_signup(signup=first)

    assert states(activity) == [("志愿者1", "cancelled"), ("志愿者2", "confirmed"), ("志愿者3", "waitlisted")]
    assert [n.text for n in b.notices.all()] == [
        "您已从候补递补为“社区环境整治志愿服务·引导员”的正式志愿者，请按时参加"
    ]
    assert not c.notices.exists()


def test_more_places_promote_the_waitlist_and_fewer_than_taken_are_refused(act: SimpleNamespace) -> None:
    activity = act.published(slots=[{"role": "引导员", "quantity": 1}])
    slot = act.slot(activity)
    services.sign_up(volunteer=act.volunteer(1), slot=slot)
    services.sign_up(volunteer=act.volunteer(2), slot=slot)
    services.change_slot_quantity(actor=act.chamber_staff, slot=slot, quantity=2)
    assert [s for _n, s in states(activity)] == ["confirmed", "confirmed"]
    with pytest.raises(ValidationError, match="不能少于 2"):
        services.change_slot_quantity(actor=act.chamber_staff, slot=slot, quantity=1)


def test_one_person_never_holds_two_overlapping_slots(act: SimpleNamespace) -> None:
    morning = act.published(title="早市引导", slots=[{"role": "引导员", "quantity": 5}])
    overlapping = act.published(
        title="交通劝导", starts_at=act.start + dt.timedelta(hours=3), ends_at=act.start + dt.timedelta(hours=6),
    )  # fmt: skip
    later = act.published(
        title="晚间巡逻", starts_at=act.start + dt.timedelta(hours=4), ends_at=act.start + dt.timedelta(hours=6),
    )  # fmt: skip
    person = act.volunteer(1)
    services.sign_up(volunteer=person, slot=act.slot(morning))

    with pytest.raises(ValidationError, match="您已报名同一时间的“早市引导·引导员”"):
        services.sign_up(volunteer=person, slot=act.slot(overlapping))
    assert not SignUp.objects.filter(activity=overlapping).exists()
    # Back to back is not an overlap.
    assert services.sign_up(volunteer=person, slot=act.slot(later)).state == SignUpState.CONFIRMED
    with pytest.raises(ValidationError, match="您已报名该岗位"):
        services.sign_up(volunteer=person, slot=act.slot(morning))


def test_cancelling_is_refused_after_the_deadline_but_the_organiser_may(act: SimpleNamespace) -> None:
    activity = act.published(cancel_deadline=timezone.now() + dt.timedelta(days=1))
    signup = services.sign_up(volunteer=act.volunteer(1), slot=act.slot(activity))
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        with pytest.raises(ValidationError, match="已过取消报名的截止时间"):
            services.cancel_signup(signup=signup)
        assert SignUp.objects.get(pk=signup.pk).state == SignUpState.CONFIRMED
        services.cancel_signup(signup=signup, actor=act.chamber_staff, by_organiser=True)
    assert SignUp.objects.get(pk=signup.pk).state == SignUpState.CANCELLED


def test_sign_up_only_while_published(act: SimpleNamespace) -> None:
    draft = act.new()
    with pytest.raises(ValidationError, match="草稿"):
        services.sign_up(volunteer=act.volunteer(1), slot=act.slot(draft))
    assert draft.status == Status.DRAFT and not SignUp.objects.exists()


def test_applications_wait_for_the_organiser_and_a_refusal_frees_the_place(act: SimpleNamespace) -> None:
    activity = act.published(auto_confirm=False, slots=[{"role": "翻译", "quantity": 1}])
    slot = act.slot(activity)
    first = services.sign_up(volunteer=act.volunteer(1), slot=slot)
    second = services.sign_up(volunteer=act.volunteer(2), slot=slot)
    assert (first.state, second.state) == (SignUpState.APPLIED, SignUpState.WAITLISTED)
    services.decide_signup(actor=act.chamber_staff, signup=first, confirm=False)
    assert SignUp.objects.get(pk=second.pk).state == SignUpState.CONFIRMED


def test_the_organiser_moves_a_person_to_another_slot_within_its_capacity(act: SimpleNamespace) -> None:
    activity = act.published(slots=[{"role": "引导员", "quantity": 1}, {"role": "摄影", "quantity": 1}])
    guide, photo = activity.slots.order_by("pk")
    a, b = act.volunteer(1), act.volunteer(2)
    signup = services.sign_up(volunteer=a, slot=guide)
    services.sign_up(volunteer=b, slot=photo)
    with pytest.raises(ValidationError, match="目标岗位名额已满"):
        services.move_signup(actor=act.chamber_staff, signup=signup, to_slot=photo)
    services.change_slot_quantity(actor=act.chamber_staff, slot=photo, quantity=2)
    moved = services.move_signup(actor=act.chamber_staff, signup=signup, to_slot=photo)
    assert moved.slot_id == photo.pk


def test_requirements_of_a_slot_are_checked(act: SimpleNamespace) -> None:
    activity = act.published(slots=[{"role": "急救员", "quantity": 2, "skills": "急救", "training": "红十字救护员培训",
                                     "min_age": 18}])  # fmt: skip
    slot = act.slot(activity)
    with pytest.raises(ValidationError) as refused:
        services.sign_up(volunteer=act.volunteer(1), slot=slot)
    assert refused.value.messages == [
        "该岗位需要技能：急救", "该岗位须先完成培训：红十字救护员培训", "该岗位要求年满 18 周岁，请先在个人资料中填写身份证号",
    ]  # fmt: skip
    ok = act.volunteer(2, id_number="330802199003070017", skills="急救、驾驶", trainings="红十字救护员培训")
    assert services.sign_up(volunteer=ok, slot=slot).state == SignUpState.CONFIRMED


def test_a_recurring_activity_is_generated_from_its_rule(act: SimpleNamespace) -> None:
    series = services.create_series(
        actor=act.party_officer, organisation=act.chamber_a, weekdays=[2], start_time=dt.time(19),
        end_time=dt.time(21), first_day=dt.date(2026, 12, 1), last_day=dt.date(2026, 12, 31), kind=act.study,
        title="定时定点学习", contact_name="李华", contact_phone="021-58881234",
    )  # fmt: skip
    days = [timezone.localtime(a.starts_at) for a in series.activities.order_by("starts_at")]
    assert [d.day for d in days] == [1, 8, 15, 22, 29]
    assert {(d.hour, d.isoweekday()) for d in days} == {(19, 2)}
    assert services.occurrences(weekdays=[2], first_day=dt.date(2026, 12, 1), last_day=dt.date(2026, 12, 31),
                                interval=2) == [dt.date(2026, 12, 1), dt.date(2026, 12, 15), dt.date(2026, 12, 29)]  # fmt: skip
    with pytest.raises(ValidationError):
        services.create_series(
            actor=act.party_officer, organisation=act.chamber_a, weekdays=[1, 2, 3, 4, 5, 6, 7],
            start_time=dt.time(19), end_time=dt.time(21), first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 12, 31),
            kind=act.study, title="每天学习", contact_name="李华", contact_phone="021-58881234",
        )  # fmt: skip


def test_bad_activity_input_is_refused_with_chinese_messages(act: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        act.new(ends_at=act.start - dt.timedelta(hours=1))
    assert refused.value.message_dict == {"ends_at": ["结束时间应晚于开始时间"]}
    with pytest.raises(ValidationError) as refused:
        act.new(slots=[{"role": "引导员", "quantity": 0}])
    assert "quantity" in refused.value.message_dict
