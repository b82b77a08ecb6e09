"""Who receives what: each person's choices of events × channels, and the group robots of the
organisations involved in a case, @-mentioning the people notified who work there."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from shanghui.accounts.models import User
from shanghui.accounts.tokens import create_token, revoke_token
from shanghui.audit.models import AuditEntry
from shanghui.notify import services
from shanghui.notify.events import EVENTS
from shanghui.notify.models import OutboxMessage
from shanghui.notify.services import notify_users
from shanghui.notify.tests.factories import make_robot
from shanghui.proxy import services as proxy_services
from shanghui.proxy import tasks
from shanghui.proxy.clocks import CLOCKS
from shanghui.proxy.models import Case
from shanghui.proxy.workflow import APPLICANT
from shanghui.testing.cases import pdf_upload

pytestmark = pytest.mark.django_db

HOOK = "https://oapi.dingtalk.com/robot/send?access_token="
WECOM_HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def channels_of(user: User) -> set[str]:
    return set(OutboxMessage.objects.filter(recipient=user).values_list("channel", flat=True))


def test_by_default_people_get_the_bell_only(world: SimpleNamespace) -> None:
    world.clerk.email = "clerk@example.gov.cn"
    world.clerk.save(update_fields=["email"])
    notify_users(users=[world.clerk], event="case.forward", key="k1", title="t", body="b")
    assert channels_of(world.clerk) == {"in_app"}


def test_chosen_channels_reach_the_persons_own_mobile_and_address(world: SimpleNamespace) -> None:
    world.clerk.email = "clerk@example.gov.cn"
    world.clerk.save(update_fields=["email"])
    services.set_preferences(actor=world.clerk, user=world.clerk, grid={
        ("case.forward", "in_app"): False, ("case.forward", "sms"): True, ("case.forward", "email"): True,
    })  # fmt: skip

    notify_users(users=[world.clerk, world.agent], event="case.forward", key="k1",
                 title="办件33080220261001000001：预审通过并转递，请及时受理办理", body="b")  # fmt: skip
    notify_users(users=[world.clerk], event="case.overdue", key="k2", title="t", body="b")

    sms = OutboxMessage.objects.get(recipient=world.clerk, channel="sms")
    email = OutboxMessage.objects.get(recipient=world.clerk, channel="email")
    assert (sms.address, sms.template) == (world.clerk.mobile, "staff_notice")
    assert len(sms.params["title"]) <= 35
    assert email.address == "clerk@example.gov.cn"
    assert not OutboxMessage.objects.filter(
        recipient=world.clerk, event="case.forward", channel="in_app"
    ).exists()
    assert channels_of(world.agent) == {"in_app"}  # someone else's choice changes nothing for them
    assert set(OutboxMessage.objects.filter(event="case.overdue").values_list("channel", flat=True)) == {
        "in_app"
    }


def test_no_mobile_no_sms(world: SimpleNamespace) -> None:
    world.clerk.mobile = None
    world.clerk.save(update_fields=["mobile"])
    services.set_preferences(actor=world.clerk, user=world.clerk, grid={("case.forward", "sms"): True})
    notify_users(users=[world.clerk], event="case.forward", key="k1", title="t", body="b")
    assert channels_of(world.clerk) == {"in_app"}


def test_only_the_person_changes_their_settings_and_only_known_cells(world: SimpleNamespace) -> None:
    with pytest.raises(ValidationError):
        services.set_preferences(
            actor=world.fed_admin, user=world.clerk, grid={("case.forward", "sms"): True}
        )
    with pytest.raises(ValidationError):
        services.set_preferences(actor=world.clerk, user=world.clerk, grid={("case.nonsense", "sms"): True})
    with pytest.raises(ValidationError):
        services.set_preferences(
            actor=world.clerk, user=world.clerk, grid={("case.forward", "dingtalk"): True}
        )
    assert services.preferences_of(world.clerk)[("case.forward", "sms")] is False


def submitted_by_applicant(pw: SimpleNamespace) -> Case:
    case = pw.new_case()
    from shanghui.proxy import services as proxy_services

    proxy_services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
    return pw.act(case, "submit", APPLICANT)


def test_a_case_event_reaches_the_robots_of_its_point_and_above_with_mentions(pw: SimpleNamespace) -> None:
    # Given robots at the chamber (above the point), at the point itself, and elsewhere
    chamber = make_robot(actor=pw.chamber_admin, organisation=pw.chamber_a, webhook=HOOK + "a", name="商会群")
    point = make_robot(actor=pw.chamber_admin, organisation=pw.point_a, webhook=WECOM_HOOK + "b", kind="wecom",
                       name="代办点群", mention=False)  # fmt: skip
    make_robot(actor=pw.chamber_admin_b, organisation=pw.point_b, webhook=HOOK + "c", name="别的代办点")
    make_robot(actor=pw.chamber_admin, organisation=pw.chamber_a, webhook=HOOK + "d", name="只看超期",
               events=["case.overdue"])  # fmt: skip
    make_robot(
        actor=pw.chamber_admin, organisation=pw.chamber_a, webhook=HOOK + "e", name="已停用", enabled=False
    )

    # When the applicant submits a case at the point
    case = submitted_by_applicant(pw)

    # Then the chamber's and the point's robots get one message each; the chamber's mentions the agent
    robots = OutboxMessage.objects.filter(subject=f"proxy.case:{case.pk}", config__isnull=False)
    assert {r.config_id: r.channel for r in robots} == {chamber.pk: "dingtalk", point.pk: "wecom"}
    assert robots.get(config=chamber).params == {"mobiles": [pw.agent.mobile]}
    assert robots.get(config=point).params == {"mobiles": []}  # mention switched off
    assert {r.organisation_id for r in robots} == {pw.point_a.pk}


def test_a_forward_reaches_the_windows_robot_mentioning_the_clerk_not_the_acting_agent(
    pw: SimpleNamespace,
) -> None:
    window_robot = make_robot(actor=pw.dept_admin, organisation=pw.dept, webhook=HOOK + "w", name="公安局群",
                              events=["case.forward"])  # fmt: skip
    city_robot = make_robot(actor=pw.fed_admin, organisation=pw.city, webhook=HOOK + "x", name="市工商联群",
                            events=["case.forward", "case.submit"])  # fmt: skip

    case = pw.case_in("forwarded")

    forward = OutboxMessage.objects.filter(
        subject=f"proxy.case:{case.pk}", event="case.forward", config__isnull=False
    )
    assert {r.config_id for r in forward} == {window_robot.pk, city_robot.pk}
    assert forward.get(config=window_robot).params["mobiles"] == [pw.clerk.mobile]
    assert forward.get(config=city_robot).params["mobiles"] == [pw.clerk.mobile]
    clerk_row = OutboxMessage.objects.get(subject=f"proxy.case:{case.pk}", recipient=pw.clerk)
    assert clerk_row.organisation_id == pw.window.pk
    # The submit (by the agent, who is not told of their own act) still reached the city's robot.
    assert OutboxMessage.objects.filter(subject=f"proxy.case:{case.pk}", event="case.submit",
                                        config=city_robot).exists()  # fmt: skip


def test_the_same_happening_twice_is_one_robot_message(pw: SimpleNamespace) -> None:
    make_robot(actor=pw.chamber_admin, organisation=pw.chamber_a, webhook=HOOK + "a")
    for _ in range(2):
        notify_users(users=[pw.agent], event="case.submit", key="case:1:event:1", title="t", body="b",
                     orgs=[pw.point_a, pw.point_a])  # fmt: skip
    assert OutboxMessage.objects.filter(channel="dingtalk").count() == 1


def test_deadline_reminders_reach_the_robots_of_the_clocks_owner_and_escalation_the_supervisors(
    pw: SimpleNamespace,
) -> None:
    # Given robots at the proxy point, at the department and at another chamber's point
    events = ["case.due_soon", "case.overdue"]
    point = make_robot(actor=pw.chamber_admin, organisation=pw.point_a, webhook=HOOK + "p", events=events)
    dept = make_robot(actor=pw.dept_admin, organisation=pw.dept, webhook=HOOK + "d", events=events)
    make_robot(actor=pw.chamber_admin_b, organisation=pw.point_b, webhook=HOOK + "o", events=events)
    case = pw.submitted()  # the pre-review clock runs at the point
    clock, _, due = CLOCKS.running(case)
    assert clock is not None and due is not None

    # When the warning check and then the overdue check run
    tasks.check_deadline_now(case.pk, str(clock), due.isoformat(), tasks.WARN)
    tasks.check_deadline_now(case.pk, str(clock), due.isoformat(), tasks.OVERDUE)

    # Then the warning reaches the point's robot only, mentioning the agent whose clock it is;
    # the escalation reaches the department's robot as well, mentioning its admin
    robots = OutboxMessage.objects.filter(subject=f"proxy.case:{case.pk}", config__isnull=False)
    assert {r.config_id for r in robots.filter(event="case.due_soon")} == {point.pk}
    assert robots.get(event="case.due_soon").params == {"mobiles": [pw.agent.mobile]}
    assert {r.config_id for r in robots.filter(event="case.overdue")} == {point.pk, dept.pk}
    assert robots.get(event="case.overdue", config=dept).params == {"mobiles": [pw.dept_admin.mobile]}


def test_a_bad_rating_reaches_the_robots_of_the_window_and_of_the_point(pw: SimpleNamespace) -> None:
    dept = make_robot(
        actor=pw.dept_admin, organisation=pw.dept, webhook=HOOK + "d", events=["case.bad_rating"]
    )
    chamber = make_robot(actor=pw.chamber_admin, organisation=pw.chamber_a, webhook=HOOK + "c",
                         events=["case.bad_rating"])  # fmt: skip
    make_robot(
        actor=pw.chamber_admin_b, organisation=pw.chamber_b, webhook=HOOK + "o", events=["case.bad_rating"]
    )
    case = pw.case_in("delivered", params={"accept": {"acceptance_number": "A1"}}, by={"deliver": APPLICANT})

    proxy_services.rate_case(case=case, level=1, comment="窗口态度差")

    robots = OutboxMessage.objects.filter(event="case.bad_rating", config__isnull=False)
    assert {r.config_id for r in robots} == {dept.pk, chamber.pk}
    # The window's clerk is the one asked to answer: mentioned where they work, not in the chamber's group.
    assert robots.get(config=dept).params == {"mobiles": [pw.clerk.mobile]}
    assert robots.get(config=chamber).params == {"mobiles": []}


def test_the_reminder_events_can_be_chosen() -> None:
    assert {"case.due_soon", "case.overdue", "case.bad_rating"} <= set(EVENTS)
    assert all(label != code for code, label in EVENTS.items())


def test_notification_and_token_actions_read_in_chinese_in_the_audit_log(world: SimpleNamespace) -> None:
    robot = make_robot(actor=world.chamber_admin, organisation=world.chamber_a, webhook=HOOK + "a")
    services.set_channel_enabled(actor=world.chamber_admin, config=robot, enabled=False)
    notify_users(users=[world.agent], event="case.submit", key="k", title="t", body="b")
    OutboxMessage.objects.update(state="dead")
    services.resend(actor=world.fed_admin, messages=OutboxMessage.objects.all())
    token, _ = create_token(actor=world.agent, user=world.agent, name="报表")
    revoke_token(actor=world.agent, token=token)

    entries = AuditEntry.objects.filter(action__regex=r"^(notify|api_token)\.")
    assert {e.action for e in entries} == {"notify.channel.create", "notify.channel.update", "notify.resend",
                                           "api_token.create", "api_token.revoke"}  # fmt: skip
    assert all(e.action_label != e.action for e in entries)
