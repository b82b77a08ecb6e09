"""The one write of the Open311 endpoints: POST requests, which takes a case in at the key's proxy
point and submits it, with every check of the agent's intake form (proxy.forms.IntakeForm and
proxy.services.create_case) and the workflow's own check that the required materials are there.

How a POST maps onto a case (also in docs/open311.md):

  attribute[applicant_name]  or last_name + first_name   → applicant name (Chinese order: family first)
  attribute[id_number]                                    → ID number (GB 11643 check)
  attribute[mobile]          or phone                     → mobile (SMS with the number and query code)
  jurisdiction_id                                         → home county (its region code)
  attribute[current_city]    else the point's city        → current city (shown as `address` in GET)
  address_string                                          → current address (never shown in GET)
  description                                             → the applicant's note (never shown in GET)
  attribute[material_N]      a file (multipart/form-data)  → the item's N-th material
  attribute[poa_confirmed]=true                           → power of attorney confirmed
  lat/long, address_id, email, device_id, account_id     → checked when given (lat/long) and not kept
  media_url                                               → refused: the platform fetches nothing from
                                                            outside; materials come as files

Everything is validated before anything is written; then one transaction creates the case (channel
"api"), stores the files, submits it as the agent (review clock, notifications, SMS to the applicant),
writes the Open311 token and an audit row. Any failure leaves nothing behind, files included.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from shanghui.accounts.models import ApiToken, User
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.catalog.models import ServiceItem
from shanghui.catalog.services import MaterialData, pin_version
from shanghui.lib.uploads import check_upload
from shanghui.open311.access import Jurisdiction
from shanghui.open311.errors import Open311Error
from shanghui.open311.models import RequestToken
from shanghui.open311.serializers import (
    APPLICANT_NAME,
    CURRENT_CITY,
    ID_NUMBER,
    MOBILE,
    POA,
    POA_YES,
    material_code,
    snapshot_materials,
)
from shanghui.orgs.models import PATH_STEP, Organisation
from shanghui.proxy import services as proxy_services
from shanghui.proxy.models import Case, CaseMaterial, Channel, Status
from shanghui.proxy.workflow import AGENT, transition

NOTE_MAX = 1000  # as the agent's intake form
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

# Where each field of the intake's errors came from in the POST.
PARAMS = {
    "name": f"attribute[{APPLICANT_NAME}]",
    "id_number": f"attribute[{ID_NUMBER}]",
    "mobile": f"attribute[{MOBILE}]",
    "current_city": f"attribute[{CURRENT_CITY}]",
    "home_region_code": "jurisdiction_id",
    "poa_confirmed": f"attribute[{POA}]",
    "item": "service_code",
    "proxy_point": "api_key",
    "materials": "attribute[material_N]",
}


@dataclass
class PostedRequest:
    """The body of a POST, split as the spec writes it: standard fields, attribute[code] values
    (several for a multivaluelist) and attribute[code] files."""

    fields: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)
    # Files under any other name (never silently dropped: the client would think they arrived).
    stray_files: list[str] = field(default_factory=list)
    idempotency_key: str = ""

    @classmethod
    def parse(
        cls, post: QueryDict, files: MultiValueDict[str, UploadedFile], header_key: str = ""
    ) -> PostedRequest:
        posted = cls()
        for key in post:
            if match := _ATTRIBUTE_KEY.match(key):
                posted.attributes.setdefault(match.group(1), []).extend(post.getlist(key))
            else:
                posted.fields[key] = str(post.get(key) or "")
        for key in files:
            if match := _ATTRIBUTE_KEY.match(key):
                posted.files.setdefault(match.group(1), []).extend(files.getlist(key))
            else:
                posted.stray_files.append(key)
        posted.idempotency_key = (header_key or posted.fields.get("idempotency_key", "")).strip()
        return posted


@dataclass
class Intake:
    applicant: proxy_services.Applicant
    note: str
    uploads: dict[int, UploadedFile]


@dataclass(frozen=True)
class Submission:
    case: Case
    token: RequestToken
    replayed: bool


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{PARAMS.get(name, name)}：{message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return list(exc.messages)


def _check_location(fields: dict[str, str], errors: list[str]) -> None:
    lat, long = fields.get("lat", "").strip(), fields.get("long", "").strip()
    if not lat and not long:
        return
    try:
        lat_value, long_value = float(lat), float(long)
    except ValueError:
        errors.append("lat 与 long 须同时提供，且为 WGS84 经纬度数值")
        return
    if (
        not (math.isfinite(lat_value) and math.isfinite(long_value))
        or abs(lat_value) > 90
        or abs(long_value) > 180
    ):
        errors.append("lat 应在 -90 到 90 之间，long 应在 -180 到 180 之间")


def clean_post(
    posted: PostedRequest,
    *,
    point: Organisation,
    jurisdiction: Jurisdiction,
    materials: list[MaterialData],
) -> Intake:
    """Every check, nothing written; Open311Error 400 with one description per problem."""
    errors: list[str] = []
    codes = [material_code(i) for i in range(len(materials))]
    known = {APPLICANT_NAME, ID_NUMBER, MOBILE, CURRENT_CITY, POA, *codes}
    if unknown := sorted((set(posted.attributes) | set(posted.files)) - known):
        errors.append(f"未知的属性：{'、'.join(unknown)[:200]}（属性见 services/{{service_code}}.json）")

    def single(code: str) -> str:
        values = posted.attributes.get(code, [])
        if len(values) > 1:
            errors.append(f"attribute[{code}] 只能填写一个值")
        return values[0].strip() if values else ""

    fields = posted.fields
    name = single(APPLICANT_NAME) or (
        fields.get("last_name", "").strip() + fields.get("first_name", "").strip()
    )
    mobile = single(MOBILE) or fields.get("phone", "").strip()
    city = single(CURRENT_CITY) or (point.parent.city if point.parent else "")
    if len(city) > 40:
        errors.append(f"attribute[{CURRENT_CITY}]：现居城市不能超过40个字")
    address = fields.get("address_string", "").strip()
    if len(address) > 200:
        errors.append("address_string：现居地址不能超过200个字")
    note = fields.get("description", "").strip()
    if len(note) > NOTE_MAX:
        errors.append(f"description：申请说明不能超过{NOTE_MAX}个字")
    if single(POA) != POA_YES:
        errors.append(f"attribute[{POA}]：请申请人阅读并确认委托书（取值 {POA_YES}）")
    if posted.stray_files:
        names = "、".join(sorted(posted.stray_files))[:100]
        errors.append(f"不认识的文件字段：{names}（材料请以 attribute[material_N] 上传）")
    if fields.get("media_url", "").strip():
        errors.append("不接受 media_url（平台不从外部网址下载文件），材料请以 attribute[material_N] 文件上传")
    _check_location(fields, errors)
    if jurisdiction.root != point.path[:PATH_STEP]:
        errors.append("jurisdiction_id：该辖区不属于本代办点所在城市")
    applicant = proxy_services.Applicant(
        name=name,
        id_number=single(ID_NUMBER),
        mobile=mobile,
        home_region_code=jurisdiction.id,
        current_city=city,
        current_address=address,
    )
    try:
        applicant = applicant.cleaned()
    except ValidationError as exc:
        errors += _messages(exc)

    uploads: dict[int, UploadedFile] = {}
    missing = []
    for index, material in enumerate(materials):
        code = codes[index]
        if posted.attributes.get(code):
            errors.append(
                f"attribute[{code}]（{material.name}）须以文件上传（multipart/form-data），不能只填文字"
            )
            continue
        files = posted.files.get(code, [])
        if len(files) > 1:
            errors.append(f"attribute[{code}]（{material.name}）只能上传一个文件")
        elif files:
            try:
                check_upload(files[0])
            except ValidationError as exc:
                errors.append(f"attribute[{code}]（{material.name}）：{exc.messages[0]}")
            else:
                uploads[index] = files[0]
        elif material.required and not material.deferrable:
            missing.append(f"{material.name}（attribute[{code}]）")
    if missing:
        errors.append(f"缺少必交材料：{'、'.join(missing)}")
    if posted.idempotency_key and not _IDEMPOTENCY_KEY.match(posted.idempotency_key):
        errors.append("idempotency_key 应为1到40位字母、数字、下划线或连字符")
    if errors:
        raise Open311Error(400, errors)
    return Intake(applicant=applicant, note=note, uploads=uploads)


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _replay(key: str) -> Submission | None:
    token = RequestToken.objects.filter(case__idempotency_key=key).select_related("case").first()
    return Submission(case=token.case, token=token, replayed=True) if token else None


def _discard(materials: list[CaseMaterial]) -> None:
    # The rollback removes the rows; the stored files have to go by hand.
    for material in materials:
        material.file.delete(save=False)


def submit_request(
    *,
    actor: User,
    api_token: ApiToken,
    point: Organisation,
    jurisdiction: Jurisdiction,
    item: ServiceItem,
    posted: PostedRequest,
) -> Submission:
    """Create and submit the case, or raise Open311Error with nothing written. With an idempotency key
    (per user), a retried POST returns the first one's case and token."""
    # Per user: one client's key can never land on another person's case.
    key = f"o311:{actor.pk}:{posted.idempotency_key}" if posted.idempotency_key else ""
    if key and _IDEMPOTENCY_KEY.match(posted.idempotency_key) and (replayed := _replay(key)):
        return replayed
    version = pin_version(item)
    intake = clean_post(
        posted, point=point, jurisdiction=jurisdiction, materials=snapshot_materials(version.snapshot)
    )
    stored: list[CaseMaterial] = []
    try:
        with transaction.atomic():
            case = proxy_services.create_case(
                actor=actor,
                channel=Channel.API,
                item=item,
                proxy_point=point,
                applicant=intake.applicant,
                poa_confirmed=True,
                note=intake.note,
                idempotency_key=key,
            )
            if case.status != Status.DRAFT:
                # The same key raced itself and the other POST won (create_case returned its case, which
                # that POST submitted and gave a token in the same transaction): answer as it did.
                return Submission(case=case, token=RequestToken.objects.get(case=case), replayed=True)
            for slot, upload in sorted(intake.uploads.items()):
                stored.append(proxy_services.add_material(case=case, actor=actor, upload=upload, slot=slot))
            case = transition(
                case_id=case.pk, action="submit", actor=actor, actor_kind=AGENT, expected_status=Status.DRAFT
            )
            token = RequestToken.objects.create(token=new_token(), case=case, api_token=api_token)
            record(
                actor=actor,
                action=AuditAction.OPEN311_REQUEST_CREATE,
                obj=case,
                detail={"api_token": api_token.prefix, "service_code": item.code, "point_id": point.pk},
            )
    except ValidationError as exc:
        _discard(stored)
        raise Open311Error(400, _messages(exc)) from exc
    except BaseException:
        _discard(stored)
        raise
    return Submission(case=case, token=token, replayed=False)
