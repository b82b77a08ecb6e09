"""The generated transition tests of the dispute's table (workflow/testing.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shanghui.mediation.models import FINAL_STATUSES
from shanghui.mediation.tests.conftest import pdf
from shanghui.mediation.workflow import APPLICANT, COMMITTEE, MACHINE, MEDIATOR, RESPONDENT, SYSTEM
from shanghui.workflow.testing import Walks

AGREED = ["accept", "consent", "record_agreement"]
PARAMS: dict[str, dict[str, Any]] = {
    "decline": {"reason": "不属于本会受理范围"},
    "extend": {"reason": "双方同意延长"},
    "record_agreement": {"issues": "货款数额", "terms": "乙方支付十万元", "performance_method": "银行转账",
                         "performance_due": "2026-12-31", "settled_amount": "100000"},
    "oral_agreement": {"terms": "当场支付五千元", "settled_amount": "5000"},
    "no_agreement": {"advice": "建议向人民法院起诉"},
    "apply_confirmation": {"court": "衢州市柯城区人民法院"},
    "confirmation_granted": {"ruling_number": "(2026)浙0802民特1号"},
    "confirmation_rejected": {"reason": "协议内容违反法律规定"},
    "record_performance": {"performance": "performed"},
}  # fmt: skip


def params_for(world: Any, action: str) -> dict[str, Any]:
    if action == "sign":
        return {"signed_scan": pdf()}
    return dict(PARAMS.get(action, {}))


pytestmark = pytest.mark.django_db

WALKS = Walks(
    machine=MACHINE,
    fixture="med",
    actor_kinds=(COMMITTEE, MEDIATOR, APPLICANT, RESPONDENT, SYSTEM),
    paths={
        "filed": [], "declined": ["decline"], "awaiting_consent": ["accept"], "refused": ["accept", "refuse"],
        "mediating": ["accept", "consent"], "agreement_drafted": AGREED, "in_effect": [*AGREED, "sign"],
        "confirming": [*AGREED, "sign", "apply_confirmation"],
        "performing": ["accept", "consent", "oral_agreement"], "failed": ["accept", "consent", "no_agreement"],
        "withdrawn": ["withdraw"], "closed": ["accept", "consent", "oral_agreement", "record_performance"],
    },
    new=lambda w: w.ready(w.new()),
    actor_for=lambda w, kind: {COMMITTEE: w.med_admin, MEDIATOR: w.mediator}.get(kind),
    params_for=params_for,
)  # fmt: skip
(
    test_an_allowed_action_moves_the_record_and_writes_one_event,
    test_every_refused_action_raises_and_changes_nothing,
    test_an_action_without_its_required_inputs_is_refused,
    test_the_table_reaches_every_status_and_final_ones_have_no_way_out,
) = WALKS.tests(final=set(FINAL_STATUSES))
