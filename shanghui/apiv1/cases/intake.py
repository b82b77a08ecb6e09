"""Agent intake: the intake page's form and service, with an Idempotency-Key."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Header, Schema
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.apiv1.auth import principal_of, user_of
from shanghui.apiv1.cases.common import operation_id, router
from shanghui.apiv1.cases.schemas import CaseOut, case_of
from shanghui.apiv1.errors import ApiError, fields_of_django, first_message, with_errors
from shanghui.lib.bounds import Int
from shanghui.orgs.models import Organisation
from shanghui.proxy import services
from shanghui.proxy.access import get_case_for_user, intake_points
from shanghui.proxy.forms import IntakeForm
from shanghui.proxy.models import Case, Channel


class ApplicantIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=50, description="申请人姓名")
    id_number: str = Field(..., max_length=18, description="身份证号（18位）")
    mobile: str = Field(..., max_length=11, description="手机号（11位）")
    home_region_code: str = Field(..., max_length=6, description="户籍所在区县代码（6位）")
    current_city: str = Field(..., max_length=40, description="现居城市")
    current_address: str = Field("", max_length=200, description="现居地址")


class IntakeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    proxy_point: Int | None = Field(
        None, description="代办点 id；不填时用令牌的代表机构，或您唯一所在的代办点"
    )
    item: Int = Field(..., description="事项 id（该代办点受理的事项）")
    applicant: ApplicantIn
    note: str = Field("", max_length=1000, description="申请说明")
    poa_confirmed: bool = Field(..., description="申请人已阅读并确认委托书（须为 true）")


APPLICANT_FIELDS = {"name", "id_number", "mobile", "home_region_code", "current_city", "current_address"}


def _intake_fields(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {(f"applicant.{k}" if k in APPLICANT_FIELDS else k): v for k, v in errors.items()}


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _intake_point(request: HttpRequest, points: list[Organisation], wanted: int | None) -> Organisation:
    token = principal_of(request).token
    if wanted is None and token is not None and token.organisation_id:
        wanted = next((p.pk for p in points if p.pk == token.organisation_id), None)
    if wanted is None:
        if len(points) == 1:
            return points[0]
        raise ApiError(422, "请指定代办点", fields={"proxy_point": ["您在多个代办点任代办员，请指定代办点"]})
    point = next((p for p in points if p.pk == wanted), None)
    if point is None:
        raise ApiError(422, "请选择您所在的代办点", fields={"proxy_point": ["请选择您所在的代办点"]})
    return point


@router.post(
    "",
    response=with_errors({201: CaseOut, 200: CaseOut}),
    summary="代办员代为录入办件（草稿）",
    description="与“代为录入”页面相同：在您任代办员的代办点为申请人创建草稿办件，之后上传材料并提交预审。"
    "带上 Idempotency-Key 请求头，重试或重复提交只会创建一个办件：第一次返回 201，之后返回 200 和同一个办件。",
    operation_id=operation_id("create_case"),
)
def create_case(
    request: HttpRequest,
    payload: IntakeIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
) -> Any:
    user = user_of(request)
    points_qs = intake_points(user)
    points = list(points_qs)
    if not points:
        raise PermissionDenied("只有代办员可以代为录入办件")
    # One namespace with the intake page's form keys: per user, 32 hex digits.
    key_hex = (
        hashlib.sha256(idempotency_key.encode()).hexdigest()[:32] if idempotency_key else uuid.uuid4().hex
    )
    stored_key = f"{user.pk}:{key_hex}"
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=stored_key).values_list("pk", flat=True).first()
        if existing is not None:
            return WithStatus(200, case_of(get_case_for_user(user, existing), user))
    point = _intake_point(request, points, payload.proxy_point)
    applicant = payload.applicant
    data = {
        "proxy_point": str(point.pk),
        "item": str(payload.item),
        "name": applicant.name,
        "id_number": applicant.id_number,
        "mobile": applicant.mobile,
        "home_region_code": applicant.home_region_code,
        "current_city": applicant.current_city,
        "current_address": applicant.current_address,
        "note": payload.note,
        "poa_confirmed": "on" if payload.poa_confirmed else "",
        "idempotency_key": key_hex,
    }
    form = IntakeForm(data, points=points_qs, point=point)
    if not form.is_valid():
        fields = _intake_fields(_form_errors(form))
        raise ApiError(422, first_message(fields), fields=fields)
    item = services.offered_items(point).filter(pk=payload.item).first()
    if item is None:
        raise ApiError(422, "该代办点不受理此事项", fields={"item": ["该代办点不受理此事项"]})
    cleaned = form.cleaned_data
    try:
        case, created = services.create_case_once(
            actor=user, channel=Channel.AGENT, item=item, proxy_point=point,
            applicant=services.Applicant(
                name=cleaned["name"], id_number=cleaned["id_number"], mobile=cleaned["mobile"],
                home_region_code=cleaned["home_region_code"], current_city=cleaned["current_city"],
                current_address=cleaned.get("current_address") or "",
            ),
            poa_confirmed=cleaned["poa_confirmed"], note=cleaned.get("note") or "", idempotency_key=stored_key,
        )  # fmt: skip
    except ValidationError as exc:
        fields = _intake_fields(fields_of_django(exc))
        raise ApiError(422, first_message(fields), fields=fields) from None
    # Not created: the same key's first request won a race with this one (the check above missed it).
    return WithStatus(201 if created else 200, case_of(get_case_for_user(user, case.pk), user))
