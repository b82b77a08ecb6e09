"""The conversation part of the demo: a few believable 代办群 on cases of the Shanghai proxy point
(where the well-known `agent` works, and the `clerk`'s window receives its forwarded cases).

The demo's cases are written without the workflow (shanghui/proxy/demo.py), so their conversations have
none of the system messages that workflow.transition() posts: they are added here from the timeline,
with the talk between the steps, through the same services as live use (access checks, numbering,
internal notes, replies). Times are then set to the moments in the case's story.

Idempotent: system messages are keyed by their event, posts by a fixed client id; a second run adds
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shanghui.accounts.models import User
from shanghui.conversations import services
from shanghui.conversations.models import Message
from shanghui.demo.loader import Demo
from shanghui.lib.owners import Viewer
from shanghui.orgs.models import Organisation, Role
from shanghui.proxy.clocks import staff_of
from shanghui.proxy.effects import status_change_lines
from shanghui.proxy.models import Case, Status
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.workflow import TRANSITIONS

LABEL = "代办群消息"
POINT = "衢州在上海商会代办点"


@dataclass(frozen=True)
class Line:
    who: str  # "citizen", "agent" or "clerk"
    body: str
    internal: bool = False
    reply_to_previous: bool = False  # answers the line before it


# What is said after each step of a case's story.
TALK: dict[str, list[Line]] = {
    "submit": [
        Line("citizen", "您好，我在上海上班回不去，户口簿首页拍得有点反光，需要重新上传吗？"),
        Line(
            "agent",
            "您好，已收到。首页信息能看清，不用重传；预审通过后我们把材料转到衢州的窗口。",
            reply_to_previous=True,
        ),
        Line("agent", "申请人现居浦东，办结后结果要邮寄，注意核对收件地址。", internal=True),
        Line("citizen", "好的，谢谢！"),
    ],
    "request_correction": [
        Line("agent", "您好，照片要求白色背景，请按补正要求在白墙前重新拍一张上传。"),
        Line("citizen", "用手机拍可以吗？"),
        Line("agent", "可以，正面免冠、光线均匀就行，拍好直接在页面上传。", reply_to_previous=True),
    ],
    "forward": [
        Line("clerk", "材料已收到，正在核对户籍信息，预计两个工作日内受理。"),
        Line("agent", "窗口反馈户籍地址是旧门牌号，已电话请派出所协助核实。", internal=True),
        Line("citizen", "辛苦了，有结果麻烦告诉我一声。"),
        Line("agent", "好的，受理后会短信通知您，这里也会显示进度。", reply_to_previous=True),
    ],
    "complete": [
        Line("clerk", "已办结，办理结果和送达方式见办理进度，请留意查收。"),
        Line("citizen", "太好了，不用请假回老家了，谢谢你们！"),
    ],
}
# Which cases get a conversation, and how many of each state.
WANTED = (
    (Status.SUBMITTED, 1),
    (Status.NEEDS_CORRECTION, 1),
    (Status.FORWARDED, 1),
    (Status.ACCEPTED, 1),
    (Status.DELIVERED, 1),
)


def load(demo: Demo) -> None:
    point = Organisation.objects.filter(name=POINT).first()
    if point is None:
        demo.stdout.write(f"  未找到“{POINT}”（应先载入组织演示数据），跳过代办群。")
        return
    cases: list[Case] = []
    for status, count in WANTED:
        cases += Case.objects.filter(proxy_point=point, status=status).order_by("-created_at", "-pk")[:count]
    if not cases:
        demo.stdout.write("  演示代办点没有合适的办件，跳过代办群。")
        return
    created = existing = 0
    for case in cases:
        before = Message.objects.filter(
            conversation__owner_type=PROXY_CASE, conversation__owner_id=case.pk
        ).count()
        _tell(case)
        after = Message.objects.filter(
            conversation__owner_type=PROXY_CASE, conversation__owner_id=case.pk
        ).count()
        created += after - before
        existing += before
    if created:
        demo.created[LABEL] += created
    if existing:
        demo.existing[LABEL] += existing
    demo.stdout.write(f"  {len(cases)} 件办件的代办群，新建消息 {created} 条")


def _first(users: list[User], username: str) -> User | None:
    return next((u for u in users if u.username == username), users[0] if users else None)


def _tell(case: Case) -> None:
    agent = _first(staff_of(case.proxy_point_id, Role.AGENT), "agent")
    clerk = _first(staff_of(case.window_id, Role.WINDOW_CLERK), "clerk")
    citizen = Viewer(mobile=case.applicant_mobile)
    viewers = {
        "citizen": citizen,
        "agent": Viewer(user=agent) if agent else None,
        "clerk": Viewer(user=clerk) if clerk else None,
    }
    conversation = services.conversation_for(PROXY_CASE, case.pk)
    events = [e for e in case.events.order_by("created_at", "pk") if e.action in TRANSITIONS]
    now = timezone.now()
    for index, event in enumerate(events):
        spec = TRANSITIONS[event.action]
        system = services.post_system(
            owner_type=PROXY_CASE,
            owner_id=case.pk,
            ref=f"event:{event.pk}",
            lines=status_change_lines(
                actor_kind=event.actor_kind, msgid=spec.msgid, status=event.to_status, data=event.data or {}
            ),
        )
        _stamp(system, event.created_at)
        following = events[index + 1].created_at if index + 1 < len(events) else now
        previous: Message | None = None
        for number, line in enumerate(TALK.get(event.action, [])):
            viewer = viewers[line.who]
            if viewer is None:
                continue
            at = event.created_at + dt.timedelta(minutes=12 * (number + 1))
            if at >= following:  # the talk stops when the story moves on
                break
            previous = services.post_message(
                conversation=conversation,
                viewer=viewer,
                body=line.body,
                internal=line.internal,
                reply_to=previous.seq if line.reply_to_previous and previous is not None else None,
                client_id=f"demo:{event.pk}:{number}",
            )
            _stamp(previous, at)
    # Everyone has read what they answered; the citizen has read up to the last step shown to them.
    services.mark_read(conversation=conversation, viewer=citizen, seq=_last_public_seq(conversation.pk))


def _last_public_seq(conversation_id: int) -> int:
    last = (
        Message.objects.filter(conversation_id=conversation_id, internal=False, kind=Message.Kind.SYSTEM)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return last or 0


def _stamp(message: Message, at: dt.datetime) -> None:
    """The message's time in the story (stored messages keep their first time on a re-run)."""
    if message.created_at > at:
        Message.objects.filter(pk=message.pk).update(created_at=at)
