"""Materials and result documents: list, upload, download, pre-review (proxy/actions.review_material)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.cases.common import operation_id, refusal, router
from shanghui.apiv1.cases.schemas import MaterialList, MaterialOut, material_of, materials_of
from shanghui.apiv1.errors import NON_FIELD, ApiError, with_errors
from shanghui.lib.bounds import Int
from shanghui.proxy import actions, services
from shanghui.proxy.access import actor_kinds, get_case_files_for_user, get_case_for_user
from shanghui.proxy.downloads import material_response
from shanghui.proxy.models import CaseMaterial
from shanghui.proxy.workflow import AGENT, CLERK


@router.get(
    "/{case_id}/materials",
    response=with_errors({200: MaterialList}),
    summary="申请材料和结果文书",
    operation_id=operation_id("list_materials"),
)
def list_materials(request: HttpRequest, case_id: Int) -> MaterialList:
    materials, missing = materials_of(get_case_for_user(user_of(request), case_id))
    return MaterialList(materials=materials, missing_materials=missing)


FILE_CODES = {"empty", "too_large", "bad_type", "quota"}


@router.post(
    "/{case_id}/materials",
    response=with_errors({201: MaterialOut}),
    summary="上传材料（multipart/form-data）",
    description="代办员在草稿、待预审、待补正时上传申请材料（slot 为事项材料清单中的序号，不填为其他材料；同一 slot "
    "再次上传会替换）；窗口人员在办理中上传结果文书（result=true）。只接受 JPG、PNG、WebP 图片和 PDF，按内容识别。"
    "超过配额（每个办件的文件数和总大小、每人每天的上传量）返回 422，错误在 fields.file，什么也不保存。",
    operation_id=operation_id("upload_material"),
)
def upload_material(
    request: HttpRequest,
    case_id: Int,
    file: File[UploadedFile],
    slot: Form[Int | None] = None,
    result: Form[bool] = False,
) -> Any:
    user = user_of(request)
    case = get_case_for_user(user, case_id, write=True)
    kinds = actor_kinds(user, case)
    if result and CLERK not in kinds:
        raise PermissionDenied("只有受理窗口人员可以上传结果文书")
    if not result and AGENT not in kinds:
        raise PermissionDenied("只有本代办点的代办员可以上传材料")
    if slot is not None and not (result or 0 <= slot < len(case.item_version.snapshot.get("materials", []))):
        raise ApiError(422, "没有这一项材料", fields={"slot": ["没有这一项材料（见事项的材料清单）"]})
    try:
        material = services.add_material(
            case=case, actor=user, upload=file, slot=None if result else slot, is_result=result
        )
    except ValidationError as exc:
        name = "file" if getattr(exc, "code", None) in FILE_CODES else NON_FIELD
        raise ApiError(422, "；".join(exc.messages), fields={name: list(exc.messages)}) from None
    return WithStatus(201, material_of(material))


MATERIAL_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")


@router.get(
    "/{case_id}/materials/{material_id}/file",
    response=with_errors({}),
    summary="下载材料文件",
    description="只有该办件的代办员和受理窗口人员可以下载（文件含个人信息）；能查看办件的其他人得到 403。每次下载记入审计日志。",
    openapi_extra={
        "responses": {
            "200": {
                "description": "文件内容",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in MATERIAL_TYPES},
            }
        }
    },
    operation_id=operation_id("download_material"),
)
def download_material(request: HttpRequest, case_id: Int, material_id: Int) -> FileResponse:
    user = user_of(request)
    case = get_case_files_for_user(user, case_id)
    return material_response(request, case, material_id, actor=user, via="api")


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    review: CaseMaterial.Review = Field(..., description="accepted 合格 / needs_correction 需补正")
    note: str = Field("", max_length=300, description="审核意见（需补正时必填）")


@router.post(
    "/{case_id}/materials/{material_id}/review",
    response=with_errors({200: MaterialOut}),
    summary="预审材料（合格 / 需补正）",
    operation_id=operation_id("review_material"),
)
def review_material(request: HttpRequest, case_id: Int, material_id: Int, payload: ReviewIn) -> MaterialOut:
    data = {"review": payload.review.value, "note": payload.note}
    try:
        reviewed = actions.review_material(
            actor=user_of(request), case_id=case_id, material_id=material_id, data=data
        )
    except actions.Refused as exc:
        raise refusal(exc) from None
    return material_of(reviewed)
