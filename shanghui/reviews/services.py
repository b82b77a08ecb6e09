"""Every write of a review chain: start, decide, the subject changed, overdue reminders, delegation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record as audit
from shanghui.lib.owners import Viewer
from shanghui.lib.uploads import check_upload
from shanghui.orgs.models import Organisation
from shanghui.reviews.models import (
    PARALLEL,
    SINGLE,
    Chain,
    ChainStep,
    ChainTemplate,
    Delegation,
    ReviewAttachment,
    StepAnswer,
)
from shanghui.reviews.owner import review_owner
from shanghui.reviews.reviewers import open_departments, step_people
from shanghui.reviews.workflow import MACHINE, REVIEWER, SUBJECT, SYSTEM, activate

REVIEWER_ACTIONS = {"approve", "ask_more", "send_back", "object"}
SUBJECT_ACTIONS = {"supply", "withdraw", "rerun"}


def validate_steps(steps: Any) -> list[dict[str, Any]]:
    """A template's steps, checked: ValidationError in Chinese for anything a chain could not run."""
    if not isinstance(steps, list) or not steps:
        raise ValidationError(_("审查链至少需要一个步骤"))
    clean: list[dict[str, Any]] = []
    for n, raw in enumerate(steps, start=1):
        if not isinstance(raw, dict) or not raw.get("label"):
            raise ValidationError(f"第{n}步缺少名称")
        kind = raw.get("kind", SINGLE)
        days = raw.get("days", 5)
        if kind not in (SINGLE, PARALLEL) or not isinstance(days, int) or not 0 < days <= 60:
            raise ValidationError(f"第{n}步的类型或时限无效（时限为1–60个工作日）")
        if kind == SINGLE and not raw.get("slot"):
            raise ValidationError(f"第{n}步缺少审查人")
        departments = [int(d) for d in raw.get("departments", [])] if kind == PARALLEL else []
        if kind == PARALLEL and (
            not departments
            or Organisation.objects.filter(pk__in=departments, kind="department").count()
            != len(set(departments))
        ):
            raise ValidationError(f"第{n}步（部门联审）需要选择至少一个部门")
        clean.append(
            {
                "key": str(raw.get("key") or f"step{n}"),
                "label": str(raw["label"]),
                "kind": kind,
                "slot": str(raw.get("slot", "")),
                "days": days,
                "checks": [str(c) for c in raw.get("checks", [])],
                "departments": departments,
            }
        )
    return clean


@transaction.atomic
def save_template(*, code: str, name: str, steps: Any, actor: User | None) -> ChainTemplate:
    clean = validate_steps(steps)
    template, _ = ChainTemplate.objects.update_or_create(code=code, defaults={"name": name, "steps": clean})
    audit(actor=actor, action=AuditAction.REVIEW_TEMPLATE_SAVE, obj=template, detail={"steps": len(clean)})
    return template


@transaction.atomic
def start_chain(
    *, owner_type: str, owner_id: int, template: ChainTemplate, title: str, actor: User | None
) -> Chain:
    review_owner(owner_type)  # the owner must be registered before a chain can attach to it
    if Chain.objects.filter(
        owner_type=owner_type, owner_id=owner_id, status__in=["running", "more"]
    ).exists():
        raise ValidationError(_("该对象已有进行中的审查"))
    steps = validate_steps(template.steps)
    chain = Chain.objects.create(
        owner_type=owner_type, owner_id=owner_id, template=template, title=title, started_by=actor
    )
    rows = ChainStep.objects.bulk_create(
        ChainStep(
            chain=chain,
            index=i,
            key=s["key"],
            label=s["label"],
            kind=s["kind"],
            slot=s["slot"],
            days=s["days"],
            checks=s["checks"],
        )  # fmt: skip
        for i, s in enumerate(steps)
    )
    StepAnswer.objects.bulk_create(
        StepAnswer(step=row, department_id=dept)
        for row, s in zip(rows, steps, strict=True)
        for dept in s["departments"]
    )
    now = timezone.now()
    activate(chain, rows[0], now)
    MACHINE.record_event(chain, action="start", actor=actor, actor_kind=SUBJECT if actor else SYSTEM,
                         to_status=chain.status, created_at=now)  # fmt: skip
    audit(
        actor=actor,
        action=AuditAction.REVIEW_START,
        obj=chain,
        object_repr=title,
        detail={"template": template.code},
    )
    return chain


def actor_kinds(user: User, chain: Chain) -> set[str]:
    """What this person may do on the chain now."""
    kinds: set[str] = set()
    if chain.is_open:
        step = chain.steps.filter(index=chain.current).first()
        if step is not None:
            if step.kind == PARALLEL:
                if open_departments(step, user.pk):
                    kinds.add(REVIEWER)
            elif user.pk in step_people(chain, step):
                kinds.add(REVIEWER)
        if review_owner(chain.owner_type).access(Viewer(user=user), chain.owner_id, joined=False).post:
            kinds.add(SUBJECT)
    return kinds


def allowed_actions(user: User, chain: Chain) -> list[str]:
    return [t.action for t in MACHINE.allowed(chain, actor_kinds(user, chain))]


def decide(
    *,
    chain: Chain,
    actor: User,
    action: str,
    expected_status: str | None = None,
    opinion: str = "",
    reason: str = "",
    department: int | None = None,
    to_step: int | None = None,
    attachment: UploadedFile | None = None,
) -> Chain:
    """One decision on the chain by a person; when every step is done the chain concludes."""
    kinds = actor_kinds(actor, chain)
    if action in REVIEWER_ACTIONS:
        kind = REVIEWER
    elif action in SUBJECT_ACTIONS:
        kind = SUBJECT
    else:
        raise ValidationError(f"未知的操作：{action}")
    if kind not in kinds:
        raise PermissionDenied("您不是当前步骤的审查人" if kind == REVIEWER else "您不能执行该操作")
    step = chain.steps.filter(index=chain.current).first()
    if kind == REVIEWER and step is not None and step.kind == PARALLEL:
        mine = [a.department_id for a in open_departments(step, actor.pk)]
        if department is None:
            department = mine[0]
        elif department not in mine:
            raise PermissionDenied("您不能代表该部门答复")
    if attachment is not None:
        content_type, _ext = check_upload(attachment)
    params = {
        "by": actor.pk,
        "opinion": opinion,
        "reason": reason,
        "department": department,
        "to_step": to_step,
    }
    with transaction.atomic():
        chain = MACHINE.transition(
            pk=chain.pk, action=action, actor=actor, actor_kind=kind, expected_status=expected_status,
            note=reason or opinion, params=params,
        )  # fmt: skip
        if attachment is not None:
            event = chain.events.order_by("-pk").first()
            assert event is not None  # the transition just wrote it
            ReviewAttachment.objects.create(
                event=event, file=attachment, name=attachment.name or "附件", size=attachment.size or 0,
                content_type=content_type,
            )  # fmt: skip
        if chain.status == Chain.Status.RUNNING and chain.current >= chain.steps.count():
            chain = MACHINE.transition(pk=chain.pk, action="conclude", actor=None, actor_kind=SYSTEM)
    return chain


def subject_changed(*, chain: Chain, from_step: int, actor: User | None) -> Chain:
    """The owner changed the subject: the steps from `from_step` on run again (only while open)."""
    if not chain.is_open:
        raise ValidationError(_("审查已结束，不能再修改"))
    return MACHINE.transition(
        pk=chain.pk, action="rerun", actor=actor, actor_kind=SUBJECT if actor else SYSTEM,
        params={"from_step": from_step},
    )  # fmt: skip


def flag_step(step_id: int, due_iso: str, now: dt.datetime | None = None) -> bool:
    """One step past its due time (the task enqueued when it started, or a sweep): a reminder event on
    the chain, its reviewers told and, as escalation, whoever started the chain. Once per step and due
    time; nothing when the step has moved on. Returns whether it flagged."""
    from shanghui.notify.services import notify_users

    now = now or timezone.now()
    with transaction.atomic():
        step = ChainStep.objects.select_for_update().select_related("chain").filter(pk=step_id).first()
        if (
            step is None or step.state != ChainStep.State.ACTIVE or step.overdue_flagged
            or step.due_at is None or step.due_at != dt.datetime.fromisoformat(due_iso) or step.due_at >= now
            or step.chain.status != Chain.Status.RUNNING
        ):  # fmt: skip
            return False
        step.overdue_flagged = True
        step.save(update_fields=["overdue_flagged"])
        chain = step.chain
        MACHINE.record_event(chain, action="overdue", actor=None, actor_kind=SYSTEM, created_at=now,
                             to_status=chain.status, data={"step": step.label})  # fmt: skip
        people = set(step_people(chain, step))
        if chain.started_by_id:
            people.add(chain.started_by_id)
        notify_users(
            users=User.objects.filter(pk__in=people), event="review.overdue",
            key=f"review:{chain.pk}:step:{step.pk}:overdue:{due_iso}", title=f"审查超时：{chain.title}",
            body=f"“{step.label}”已超过办理时限，请尽快审查。", url=f"/reviews/{chain.pk}/",
        )  # fmt: skip
    return True


def flag_overdue(now: dt.datetime | None = None) -> int:
    """A sweep over every active step past its due time (should a reminder task have been lost)."""
    now = now or timezone.now()
    due = ChainStep.objects.filter(
        state=ChainStep.State.ACTIVE, due_at__lt=now, overdue_flagged=False, chain__status="running"
    ).values_list("pk", "due_at")
    return sum(flag_step(pk, due_at.isoformat(), now) for pk, due_at in due if due_at is not None)


@transaction.atomic
def delegate(
    *, principal: User, deputy: User, starts_on: dt.date, ends_on: dt.date, actor: User, note: str = ""
) -> Delegation:
    if principal == deputy:
        raise ValidationError({"deputy": "不能委托给自己"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期不能早于开始日期"})
    row = Delegation.objects.create(
        principal=principal, deputy=deputy, starts_on=starts_on, ends_on=ends_on, note=note
    )
    audit(actor=actor, action=AuditAction.REVIEW_DELEGATE, obj=row, detail={"deputy": deputy.pk})
    return row
