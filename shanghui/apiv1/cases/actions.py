"""Workflow actions: the case page's buttons, through the same guard (proxy/actions.act)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cases.common import operation_id, refusal, router
from shanghui.apiv1.cases.schemas import ActionName, CaseOut, case_of
from shanghui.apiv1.errors import with_errors
from shanghui.catalog.models import Delivery
from shanghui.lib.bounds import Int
from shanghui.proxy import actions
from shanghui.proxy.forms import ACTION_FORMS
from shanghui.proxy.models import Result, Status


class ActionParams(Schema):
    model_config = ConfigDict(extra="forbid")

    correction_items: list[str] | None = Field(
        None, max_length=50, description="需要补正的内容，每项一条（request_correction、window_correction）"
    )
    window: Int | None = Field(
        None, description="受理窗口 id（forward；可选值见 allowed_actions 的 choices）"
    )
    tracking_number: str | None = Field(
        None, max_length=40, description="寄递单号（forward 可选；complete 邮寄送达必填）"
    )
    acceptance_number: str | None = Field(None, max_length=40, description="受理编号（accept）")
    reason: str | None = Field(None, max_length=1000, description="原因（refuse、suspend、terminate）")
    result: Result | None = Field(None, description="办理结果（complete）")
    result_note: str | None = Field(None, max_length=1000, description="结果说明（complete）")
    delivery_method: Delivery | None = Field(None, description="送达方式（complete）")


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    expected_status: Status = Field(..., description="您看到的办件状态；办件已变为其他状态时返回 409")
    note: str = Field("", max_length=1000, description="备注（写入办理记录）")
    params: ActionParams = Field(
        default_factory=lambda: ActionParams.model_validate({}),
        description="该操作的参数，见 allowed_actions",
    )


def _params(payload: ActionIn) -> dict[str, str]:
    """The parameters as the action's form reads them (a list one item a line)."""
    return {
        name: "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
        for name, value in payload.params.model_dump(exclude_none=True).items()
    }


@router.post(
    "/{case_id}/actions/{action}",
    response=with_errors({200: CaseOut}),
    summary="办理操作（提交、补正、转递、受理、办结……）",
    description="与办件页面的操作按钮相同。expected_status 是您看到的状态：办件已被他人办理而改变时返回 409，"
    "什么都不改变。params 中的参数因操作而异（见 allowed_actions）：request_correction、window_correction："
    "correction_items；forward：window、tracking_number；accept：acceptance_number；refuse、suspend、terminate："
    "reason；complete：result、delivery_method、tracking_number（邮寄时）、result_note。",
    operation_id=operation_id("act"),
)
def act(request: HttpRequest, case_id: Int, action: ActionName, payload: ActionIn) -> CaseOut:
    user = user_of(request)
    params = _params(payload)
    data = {"expected_status": str(payload.expected_status), "note": payload.note}
    try:
        case = actions.act(actor=user, case_id=case_id, action=action.value, data=data, params=params)
    except actions.Refused as exc:
        raise refusal(exc, params={*params, *ACTION_FORMS[action.value].param_fields}) from None
    return case_of(case, user)
