"""What each workflow action does to a case besides its status (the machine's `effects`), what it
keeps on the timeline, and what follows it in the same transaction: the conversation's system message,
notifications and the deadline checks of the clock it started. Called only by the workflow kernel's
transition(), inside its transaction, with the case's row locked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_noop

from shanghui.catalog.models import Delivery, ServiceItem
from shanghui.notify.models import OutboxMessage
from shanghui.notify.services import outbox_for_mobile, outbox_for_users, write_outbox
from shanghui.notify.sms import MAX_PARAM_CHARS
from shanghui.notify.tasks import deliver_outbox
from shanghui.orgs.models import Organisation, OrgKind, Role
from shanghui.proxy.clocks import CLOCKS, acceptance_period, processing_period, review_period, staff_of
from shanghui.proxy.models import Case, CaseEvent, Clock, Result, Status
from shanghui.worker.durable import Call, enqueue_together
from shanghui.workflow.machine import Effect, Transition, TransitionError

# --- Effects ----------------------------------------------------------------------------------------


def _require_materials(case: Case) -> None:
    """Every way in (pages, API, Open311) submits through here: no required material, no submission."""
    from shanghui.proxy.services import missing_required

    if missing := missing_required(case):
        raise TransitionError({"materials": f"请先上传必交材料：{'、'.join(missing)}"}, code="materials")


def _submit(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    _require_materials(case)
    # How often an item is asked for ranks it in search; not a catalogue edit, so updated_at stays.
    ServiceItem.objects.filter(pk=case.item_id).update(usage_count=F("usage_count") + 1)
    return CLOCKS.start(case, Clock.REVIEW, now, review_period(case))


def _correction_items(params: dict[str, Any]) -> list[str]:
    items = params["correction_items"]
    if isinstance(items, str):
        items = [line.strip() for line in items.splitlines()]
    items = [str(item).strip() for item in items if str(item).strip()]
    if not items:
        raise TransitionError({"correction_items": "请逐条写明需要补正的内容"})
    return items


def _request_correction(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.correction_items = _correction_items(params)
    case.return_status = Status.SUBMITTED
    return ["correction_items", "return_status", *CLOCKS.pause(case, now)]


def _window_correction(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.correction_items = _correction_items(params)
    case.return_status = case.status
    return ["correction_items", "return_status", *CLOCKS.pause(case, now)]


def _resubmit(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    _require_materials(case)
    # The clock of the status the case returns to runs again, its due time moved by the pause.
    clock = next(spec.name for spec in CLOCKS if case.return_status in spec.runs_in)
    resumed = CLOCKS.resume(case, clock, now)
    case.correction_items = []
    case.return_status = ""
    return [*resumed, "correction_items", "return_status"]


def _forward(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    window = params["window"]
    if not isinstance(window, Organisation):
        window = Organisation.objects.filter(pk=window).first()
    if window is None or window.kind != OrgKind.WINDOW or window.parent_id != case.department_id:
        raise TransitionError({"window": "请选择该事项所属部门的受理窗口"})
    if window.region_code and window.region_code != case.home_region_code:
        raise TransitionError({"window": "请选择申请人户籍所在区县的受理窗口"})
    case.window = window
    case.forward_tracking_number = str(params.get("tracking_number") or "")[:40]
    # Forwarding ends the review (forwarded_at) and starts the acceptance clock at the same moment.
    return [
        "window",
        "forward_tracking_number",
        *CLOCKS.start(case, Clock.ACCEPTANCE, now, acceptance_period()),
    ]


def _accept(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.acceptance_number = str(params["acceptance_number"]).strip()[:40]
    return ["acceptance_number", *CLOCKS.start(case, Clock.PROCESSING, now, processing_period(case))]


def _refuse(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.refusal_reason = str(params["reason"]).strip()
    case.closed_at = now
    return ["refusal_reason", "closed_at"]


def _suspend(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.suspension_reason = str(params["reason"]).strip()
    return ["suspension_reason", *CLOCKS.pause(case, now)]


def _resume(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    return CLOCKS.resume(case, Clock.PROCESSING, now)


def _terminate(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.termination_reason = str(params["reason"]).strip()
    case.closed_at = now
    return ["termination_reason", *CLOCKS.clear_pause(case), "closed_at"]


def delivery_methods(case: Case) -> list[str]:
    """The delivery methods the case's item allows (its pinned version), every method when it names none."""
    offered = [m for m in case.item_version.snapshot.get("delivery_methods") or [] if m in Delivery.values]
    return offered or list(Delivery.values)


def _complete(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    result = params["result"]
    if result not in Result.values:
        raise TransitionError({"result": "请选择办理结果：准予或不予"})
    method = params["delivery_method"]
    if method not in Delivery.values:
        raise TransitionError({"delivery_method": "请选择送达方式"})
    if method not in delivery_methods(case):
        raise TransitionError({"delivery_method": "该事项不提供这种送达方式，请选择事项允许的送达方式"})
    tracking = str(params.get("tracking_number") or "").strip()
    if method == Delivery.POST and not tracking:
        raise TransitionError({"tracking_number": "邮寄送达请填写寄递单号"})
    case.result = result
    case.result_note = str(params.get("result_note") or "").strip()
    case.delivery_method = method
    case.result_tracking_number = tracking[:40]
    return ["result", "result_note", "delivery_method", "result_tracking_number",
            *CLOCKS.stop(case, Clock.PROCESSING, now)]  # fmt: skip


def _deliver(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.delivered_at = now
    return ["delivered_at"]


def _close(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.closed_at = now
    return ["closed_at"]


def _withdraw(case: Case, params: dict[str, Any], now: dt.datetime) -> list[str]:
    case.closed_at = now
    return [*CLOCKS.clear_pause(case), "closed_at"]


EFFECTS: dict[str, Effect] = {
    "submit": _submit, "request_correction": _request_correction, "resubmit": _resubmit, "forward": _forward,
    "accept": _accept, "refuse": _refuse, "window_correction": _window_correction, "suspend": _suspend,
    "resume": _resume, "terminate": _terminate, "complete": _complete, "deliver": _deliver, "close": _close,
    "withdraw": _withdraw,
}  # fmt: skip


# --- Event data ----------------------------------------------------------------------------------

# Parameters worth keeping on the timeline (never personal data).
EVENT_KEYS = (
    "correction_items",
    "acceptance_number",
    "result",
    "delivery_method",
    "tracking_number",
    "result_note",
)


def event_data(spec: Transition, params: dict[str, Any]) -> dict[str, Any]:
    data = {key: params[key] for key in EVENT_KEYS if params.get(key)}
    if isinstance(data.get("correction_items"), str):  # one item a line, as the effect reads it
        data["correction_items"] = [
            line.strip() for line in data["correction_items"].splitlines() if line.strip()
        ]
    if spec.action == "forward":
        window = params["window"]
        data["window_id"] = window.pk if isinstance(window, Organisation) else int(window)
    return data


def describe_event_data(data: dict[str, Any]) -> list[str]:
    """The kept parameters of an event as lines of Chinese text, for the staff and citizen timelines."""
    results, deliveries = dict(Result.choices), dict(Delivery.choices)
    lines = [f"需补正：{item}" for item in data.get("correction_items") or []]
    if data.get("acceptance_number"):
        lines.append(f"受理编号：{data['acceptance_number']}")
    if data.get("result"):
        lines.append(f"办理结果：{results.get(data['result'], data['result'])}")
    if data.get("result_note"):
        lines.append(f"结果说明：{data['result_note']}")
    if data.get("delivery_method"):
        lines.append(f"送达方式：{deliveries.get(data['delivery_method'], data['delivery_method'])}")
    if data.get("tracking_number"):
        lines.append(f"寄递单号：{data['tracking_number']}")
    return lines


def status_change_lines(
    *, actor_kind: str, msgid: str, status: str, data: dict[str, Any], reason: str = ""
) -> list[dict[str, Any]]:
    """A status change as the lines of the case conversation's system message (conversations.services
    .system_line): Chinese msgids with their parameters, shown in each reader's language."""
    from django.conf import settings
    from django.utils import translation

    from shanghui.conversations.services import system_line
    from shanghui.proxy.workflow import ACTOR_LABELS

    with translation.override(settings.LANGUAGE_CODE):  # the labels' Chinese msgids
        status_label = str(Status(status).label) if status in Status.values else status
        results = {k: str(v) for k, v in Result.choices}
        deliveries = {k: str(v) for k, v in Delivery.choices}
    actor = ACTOR_LABELS.get(actor_kind, "")
    if actor:
        head = system_line(
            gettext_noop("%(actor)s%(action)s，办件状态：%(status)s"),
            labels=("actor", "action", "status"), actor=actor, action=msgid, status=status_label,
        )  # fmt: skip
    else:
        head = system_line(
            gettext_noop("%(action)s，办件状态：%(status)s"), labels=("action", "status"), action=msgid,
            status=status_label,
        )  # fmt: skip
    lines = [head]
    lines += [
        system_line(gettext_noop("需补正：%(item)s"), item=item)
        for item in data.get("correction_items") or []
    ]
    if data.get("acceptance_number"):
        lines.append(system_line(gettext_noop("受理编号：%(number)s"), number=data["acceptance_number"]))
    if data.get("result"):
        result = results.get(data["result"], data["result"])
        lines.append(system_line(gettext_noop("办理结果：%(result)s"), labels=("result",), result=result))
    if data.get("result_note"):
        lines.append(system_line(gettext_noop("结果说明：%(note)s"), note=data["result_note"]))
    if data.get("delivery_method"):
        method = deliveries.get(data["delivery_method"], data["delivery_method"])
        lines.append(system_line(gettext_noop("送达方式：%(method)s"), labels=("method",), method=method))
    if data.get("tracking_number"):
        lines.append(system_line(gettext_noop("寄递单号：%(number)s"), number=data["tracking_number"]))
    if reason:
        lines.append(system_line(gettext_noop("原因：%(reason)s"), reason=reason))
    return lines


# --- After the change: notifications and deadline checks -----------------------------------------

# The reason a step was taken for, kept on the case (not in the event's data): the citizen is owed it.
REASON_FIELDS = {
    "refuse": "refusal_reason",
    "suspend": "suspension_reason",
    "terminate": "termination_reason",
}


def substance(case: Case, action: str) -> str:
    """What the applicant must know of a step beyond the new status, in one line: the items to correct,
    the reason of a refusal, suspension or termination, how the result comes. "" when nothing."""
    if action in ("request_correction", "window_correction") and case.correction_items:
        return "需补正：" + "；".join(case.correction_items)
    if action in REASON_FIELDS and (reason := getattr(case, REASON_FIELDS[action])):
        return f"原因：{reason}"
    if action == "complete":
        deliveries = dict(Delivery.choices)
        line = f"{case.get_result_display()}，{deliveries.get(case.delivery_method, case.delivery_method)}"
        return line + (f"，单号{case.result_tracking_number}" if case.result_tracking_number else "")
    return ""


def sms_detail(text: str) -> str:
    """`text` as one SMS template parameter: on one line, at most MAX_PARAM_CHARS characters (cut with …)."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_PARAM_CHARS else text[: MAX_PARAM_CHARS - 1] + "…"


# Which actions tell whom. SMS to the applicant carries the new status.
NOTIFY_AGENTS = {"submit", "resubmit", "accept", "refuse", "window_correction", "suspend", "resume", "terminate",
                 "complete", "deliver", "withdraw"}  # fmt: skip
NOTIFY_CLERKS = {"forward", "resubmit", "withdraw"}
SMS_APPLICANT = {"submit", "request_correction", "window_correction", "forward", "accept", "refuse", "suspend",
                 "resume", "terminate", "complete"}  # fmt: skip


def after(case: Case, spec: Transition, event: CaseEvent, before: Any = None) -> None:
    from shanghui.conversations.services import post_system
    from shanghui.proxy import tasks
    from shanghui.proxy.owner import PROXY_CASE

    # The case's conversation (代办群) shows every status change, in order, as a system message; a
    # refusal, suspension or termination with its reason, as the citizen's SMS does. Stored as lines,
    # so that each reader sees it in their language.
    post_system(
        owner_type=PROXY_CASE,
        owner_id=case.pk,
        ref=f"event:{event.pk}",
        new_ref=True,  # the event was written just now: no message can name it yet
        lines=status_change_lines(
            actor_kind=event.actor_kind, msgid=spec.msgid, status=case.status, data=event.data or {},
            reason=getattr(case, REASON_FIELDS[spec.action]) if spec.action in REASON_FIELDS else "",
        ),
    )  # fmt: skip

    key = f"case:{case.pk}:event:{event.pk}"
    title = f"办件{case.number}：{spec.label}"
    body = f"{case.item_version.snapshot.get('name', '')} · 当前状态：{case.get_status_display()}"
    url = reverse("proxy:detail", args=[case.pk])
    recipients: list[Any] = []
    # The organisations involved: their group robots (and those above them) hear of it too.
    orgs: list[Organisation] = []
    if spec.action in NOTIFY_AGENTS:
        recipients += staff_of(case.proxy_point_id, Role.AGENT)
        orgs.append(case.proxy_point)
    if spec.action in NOTIFY_CLERKS and case.window_id:
        recipients += staff_of(case.window_id, Role.WINDOW_CLERK)
        orgs.append(case.window)  # type: ignore[arg-type]  # window_id is set
    recipients = [u for u in recipients if event.actor_id is None or u.pk != event.actor_id]
    # Every row of this action in one insert, every task (its delivery run, its clock's checks) in another.
    rows: list[OutboxMessage] = []
    if recipients or orgs:
        rows += outbox_for_users(users=recipients, event=f"case.{spec.action}", key=key, title=title, body=body,
                                 url=url, subject=f"proxy.case:{case.pk}", orgs=orgs)  # fmt: skip
    if spec.action in SMS_APPLICANT:
        params = {"number": case.number, "status": case.get_status_display(), "query_code": case.query_code}
        detail = substance(case, spec.action)
        rows.append(
            outbox_for_mobile(
                mobile=case.applicant_mobile,
                event=f"case.{spec.action}",
                key=key,
                template="case_detail" if detail else "case_update",
                params={**params, "detail": sms_detail(detail)} if detail else params,
                title=title,
                subject=f"proxy.case:{case.pk}",
                organisation=case.proxy_point_id,
            )
        )
    write_outbox(rows, deliver=False)
    # One delivery run for everything this action wrote.
    delivery: list[Call] = [(deliver_outbox, (), {})] if rows else []
    enqueue_together([*delivery, *tasks.tasks_for(case, spec.action)])
