"""Proxy cases for tests: the `pw` fixture (the shared `world` plus an ID-card item of the public
security department, offered by the Shanghai proxy point, and an applicant) and `case_in(state)`,
which walks a fresh case to any state through the real workflow (proxy.workflow.MACHINE: its checks,
effects, events and statistics), never by writing a status.

    case = pw.case_in("accepted")                                  # submit → forward → accept
    case = pw.case_in("needs_correction@accepted")                 # a correction the window asked for
    case = pw.case_in("completed", params={"complete": {"delivery_method": "post"}}, point=pw.point_b)

A state is a status, or "status@step" where one status is reached in ways that matter (PATHS). Each
action is done by the first actor kind the table allows in ACTOR_ORDER (agent, clerk, applicant,
system) unless `by={"deliver": APPLICANT}` says otherwise, with PARAMS (the fewest inputs the action
requires) updated by `params`. Other keywords go to `new_case` (item, proxy_point, channel…).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shanghui.catalog.services import MaterialData
from shanghui.catalog.tests.factories import make_item
from shanghui.proxy import services
from shanghui.proxy.models import Case, Channel
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK, MACHINE, SYSTEM, transition
from shanghui.workdays import calendar
from shanghui.workflow.testing import status_of

__all__ = ["ACTOR_ORDER", "PARAMS", "PATHS", "PDF", "PNG", "pdf_upload", "pw"]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_upload(name: str = "户口簿.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# How a case reaches each state, one action after another through the real workflow. A case waiting
# for correction appears three times: it returns to where the correction was asked from.
PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": ["submit"],
    "needs_correction": ["submit", "request_correction"],
    "needs_correction@forwarded": ["submit", "forward", "window_correction"],
    "needs_correction@accepted": ["submit", "forward", "accept", "window_correction"],
    "forwarded": ["submit", "forward"],
    "accepted": ["submit", "forward", "accept"],
    "suspended": ["submit", "forward", "accept", "suspend"],
    "refused": ["submit", "forward", "refuse"],
    "completed": ["submit", "forward", "accept", "complete"],
    "delivered": ["submit", "forward", "accept", "complete", "deliver"],
    "closed": ["submit", "forward", "accept", "complete", "deliver", "close"],
    "withdrawn": ["submit", "withdraw"],
    "terminated": ["submit", "forward", "accept", "terminate"],
}

# The inputs each action requires (proxy.workflow.TRANSITIONS names them); "WINDOW" is the fixture's.
PARAMS: dict[str, dict[str, Any]] = {
    "request_correction": {"correction_items": ["户口簿首页不清晰，请重新拍摄"]},
    "forward": {"window": "WINDOW"},
    "accept": {"acceptance_number": "KC-2026-0001"},
    "refuse": {"reason": "非本窗口受理范围"},
    "window_correction": {"correction_items": ["请补充近期免冠照片"]},
    "suspend": {"reason": "等待外省公安核查"},
    "terminate": {"reason": "申请人死亡，办理终止"},
    "complete": {"result": "granted", "delivery_method": "pickup"},
}

ACTOR_ORDER = (AGENT, CLERK, APPLICANT, SYSTEM)


@pytest.fixture
def pw(world: SimpleNamespace, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar.seed_from_package()
    calendar.invalidate()
    world.item = make_item(
        world.dept,
        "居民身份证办理（包括临时）",
        description="首次申领、换领、补领居民身份证。",
        promised_limit=20,
        promised_limit_unit="working",
        legal_limit=60,
        legal_limit_unit="working",
        fee_note="不收费",
        materials=[
            MaterialData(name="居民户口簿", form="original", copies=1, required=True),
            MaterialData(name="近期免冠照片", form="original", copies=2, required=True, deferrable=True),
            MaterialData(name="原居民身份证", form="original", copies=1, required=False),
        ],
    )
    world.applicant = services.Applicant(
        name="张三", id_number="330802199003070017", mobile="13800001234", home_region_code="330802",
        current_city="上海", current_address="上海市浦东新区世纪大道100号",
    )  # fmt: skip

    def new_case(**kw: Any) -> Case:
        options: dict[str, Any] = dict(
            actor=world.agent, channel=Channel.AGENT, item=world.item, proxy_point=world.point_a,
            applicant=world.applicant, poa_confirmed=True,
        )  # fmt: skip
        options.update(kw)
        return services.create_case(**options)

    def actor_for(kind: str) -> Any:
        return {AGENT: world.agent, CLERK: world.clerk}.get(kind)  # applicant and system: no login

    def act(case: Case, action: str, who: str, **params: Any) -> Case:
        return transition(case_id=case.pk, action=action, actor=actor_for(who), actor_kind=who, params=params)

    def params_for(action: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        params = {**PARAMS.get(action, {}), **(overrides or {}).get(action, {})}
        if params.get("window") == "WINDOW":
            params["window"] = world.window
        return params

    def case_in(
        state: str,
        *,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        by: Mapping[str, str] | None = None,
        **create: Any,
    ) -> Case:
        case = new_case(**create)
        services.add_material(case=case, actor=world.agent, upload=pdf_upload(), slot=0)
        for action in PATHS[state]:
            actors = MACHINE.table[action].actors
            kind = (by or {}).get(action) or next(k for k in ACTOR_ORDER if k in actors)
            case = act(case, action, kind, **params_for(action, params))
        assert case.status == status_of(state), (state, case.status)
        return case

    def submitted(**kw: Any) -> Case:
        return case_in("submitted", **kw)

    world.new_case, world.act, world.submitted, world.case_in = new_case, act, submitted, case_in
    world.actor_for, world.params_for = actor_for, params_for
    return world
