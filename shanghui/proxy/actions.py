"""One guard per staff action on a case, for the pages (proxy/views/) and the API (apiv1/cases/) alike:
who may, which inputs, which status, then the one service or workflow call. The callers only read the
request and shape the answer.

Each function raises, having changed nothing:
  Http404           the case (or material) is not visible to the actor, or the action is unknown
  PermissionDenied  the actor sees the case but may not do this (403)
  Conflict          the case moved on since the actor looked (409; workflow kernel)
  Refused           the inputs were refused: `form` holds the messages by field; `error` is the service's
                    or workflow's own ValidationError / TransitionError when it refused them (the API
                    answers that one as it stands, the page shows the form again)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from shanghui.accounts.models import User
from shanghui.proxy import services
from shanghui.proxy.access import actor_kinds, get_case_for_user
from shanghui.proxy.forms import ACTION_FORMS, ReviewForm
from shanghui.proxy.models import Case, CaseMaterial, Status
from shanghui.proxy.workflow import AGENT, CLERK, TRANSITIONS, Conflict, TransitionError, transition
from shanghui.ui.forms import BootstrapForm, attach_errors


class Refused(Exception):
    """The inputs of an action were refused; nothing was changed. `fields`: the messages by input name;
    `form`: the bound form with them (the page shows it again), None when inputs the action does not take
    were refused before any form was read."""

    def __init__(
        self,
        case: Case,
        form: BootstrapForm | None,
        error: ValidationError | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__("输入有误")
        self.case = case
        self.form = form
        self.error = error
        errors = form.errors.items() if form is not None else []
        self.fields = fields or {name: [str(e) for e in messages] for name, messages in errors}


# --- Workflow actions ---------------------------------------------------------------------------------


def act(
    *,
    actor: User,
    case_id: int,
    action: str,
    data: Mapping[str, Any],
    files: Any = None,
    params: Mapping[str, str] | None = None,
) -> Case:
    """Move the case by `action` with the inputs `data` (the action's form fields: expected_status, note
    and its parameters; `files`: the result document of a completion). `params`: parameters named apart
    from `data` (the API's), each refused when the action does not take it. Returns the case as loaded
    for the actor, with the fields the transition changed.

    One transaction from the first read: the case is read once, under its row lock, for the access check,
    the form and the transition alike (get_case_for_user(lock=True), transition(locked=…)); whatever is
    refused rolls back with it, and the lock is held only while the inputs are checked."""
    stored: CaseMaterial | None = None
    form: BootstrapForm | None = None
    try:
        with transaction.atomic():
            case = get_case_for_user(actor, case_id, write=True, lock=True)
            spec = TRANSITIONS.get(action)
            if spec is None:
                raise Http404("未知的操作")
            usable = spec.actors & actor_kinds(actor, case)
            if not usable:
                raise PermissionDenied(f"您不能对该办件执行“{spec.label}”")
            form_class = ACTION_FORMS[action]
            if params:
                unknown = {
                    name: [f"“{spec.label}”不需要此参数"]
                    for name in params
                    if name not in form_class.param_fields
                }
                if unknown:
                    raise Refused(case, None, fields=unknown)
                data = {**data, **params}
            form = form_class(data, files, case=case, action=action)
            if not form.is_valid():
                raise Refused(case, form)
            expected = form.cleaned_data["expected_status"]
            if case.status != expected:
                raise Conflict(case, f"办件状态已变为“{case.get_status_display()}”，请刷新后再操作")
            # The result document and the completion commit together: a refused completion keeps no file row.
            if upload := form.cleaned_data.get("result_file"):
                stored = services.add_material(
                    case=case, actor=actor, upload=upload, slot=None, is_result=True
                )
            snapshot = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
            try:
                transition(
                    case_id=case.pk,
                    action=action,
                    actor=actor,
                    actor_kind=CLERK if CLERK in usable else AGENT,
                    expected_status=expected,
                    note=form.cleaned_data.get("note") or "",
                    params=form.params(),
                    locked=case,
                )
            except (TransitionError, ValidationError):
                # The case was moved in place: what the answer shows is the case as it was.
                for name, value in snapshot.items():
                    setattr(case, name, value)
                raise
    except Conflict:
        _discard(stored)
        raise
    except TransitionError as exc:
        _discard(stored)
        assert form is not None
        attach_errors(form, exc)
        raise Refused(case, form, exc) from None
    except ValidationError as exc:  # the result document was refused (type, size)
        _discard(stored)
        assert form is not None
        form.add_error("result_file" if "result_file" in form.fields else None, exc.messages)
        raise Refused(case, form, exc) from None
    return case


def _discard(material: CaseMaterial | None) -> None:
    # The row rolled back with the transaction; the stored file did not.
    if material is not None and material.file:
        material.file.delete(save=False)


# --- Material review ------------------------------------------------------------------------------------


def review_material(*, actor: User, case_id: int, material_id: int, data: Mapping[str, Any]) -> CaseMaterial:
    """An agent of the case's point marks a current material accepted or needing correction (`data`:
    review, note), while the case waits for pre-review."""
    case = get_case_for_user(actor, case_id, write=True)
    if AGENT not in actor_kinds(actor, case):
        raise PermissionDenied("只有本代办点的代办员可以审核材料")
    material = CaseMaterial.objects.filter(
        case=case, pk=material_id, is_current=True, is_result=False
    ).first()
    if material is None:
        raise Http404("材料不存在")
    if case.status != Status.SUBMITTED:
        raise Conflict(case, f"办件当前状态为“{case.get_status_display()}”，不能审核材料")
    form = ReviewForm(data)
    if not form.is_valid():
        raise Refused(case, form)
    try:
        return services.review_material(
            material=material, actor=actor, review=form.cleaned_data["review"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        attach_errors(form, exc)
        raise Refused(case, form, exc) from None
