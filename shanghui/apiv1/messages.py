"""/api/v1/cases/{id}/messages: the case's conversation (代办群) through shanghui/conversations/services.py.

Who reads, posts and sees internal notes is the conversation's own rule (its owner adapter, built on the
case's access rules); a case the caller cannot see is a 404 as everywhere.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as WithStatus
from pydantic import ConfigDict

from shanghui.apiv1.auth import user_of
from shanghui.apiv1.errors import ApiError, json_error, with_errors
from shanghui.conversations.services import history, mark_read, open_for, post_message, serialize
from shanghui.lib.bounds import Int
from shanghui.lib.owners import Viewer
from shanghui.lib.ratelimit import RateLimited
from shanghui.proxy.owner import PROXY_CASE

router = Router(tags=["代办群消息"])


class AuthorOut(Schema):
    key: str = Field(description="发言人标识：u:<用户 id>、citizen（申请人）或 system")
    name: str
    role: str = Field(description="staff、citizen 或 system")


class ReplyOut(Schema):
    seq: int
    author: str
    excerpt: str


class FileOut(Schema):
    url: str
    name: str
    size: int
    type: str


class MessageOut(Schema):
    id: int
    seq: int = Field(description="会话内的序号，按提交顺序递增")
    kind: str = Field(description="text、image、file 或 system")
    internal: bool = Field(description="内部备注（申请人看不到）")
    author: AuthorOut
    body: str
    reply_to: ReplyOut | None
    file: FileOut | None
    created_at: str


class MessagePage(Schema):
    messages: list[MessageOut] = Field(description="按 seq 从小到大")
    has_more: bool = Field(description="该方向上是否还有更多消息")
    last_seq: int = Field(description="会话中最新一条的 seq")
    can_post: bool = Field(description="您现在能否在此会话发言")


class HistoryParams(Schema):
    after: Int | None = Field(None, ge=0, description="只要 seq 大于此值的消息（断线后补齐），从旧到新")
    before: Int | None = Field(None, ge=0, description="只要 seq 小于此值的消息（往前翻页）")
    limit: int = Field(50, ge=1, le=200)


def _open(request: HttpRequest, case_id: Int) -> tuple[Any, Any, Viewer]:
    viewer = Viewer(user=user_of(request))
    conversation, access = open_for(PROXY_CASE, case_id, viewer)
    return conversation, access, viewer


@router.get("/{case_id}/messages", response=with_errors({200: MessagePage}), summary="代办群消息")
def list_messages(request: HttpRequest, case_id: Int, params: Query[HistoryParams]) -> dict[str, Any]:
    if params.after is not None and params.before is not None:
        raise ApiError(422, "after 和 before 只能给一个", fields={"after": ["after 和 before 只能给一个"]})
    conversation, access, _viewer = _open(request, case_id)
    messages, more = history(
        conversation, access, after=params.after, before=params.before, limit=params.limit
    )
    return {
        "messages": [serialize(m) for m in messages],
        "has_more": more,
        "last_seq": conversation.last_seq,
        "can_post": access.post,
    }


class PostIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(..., min_length=1, max_length=2000, description="消息内容")
    internal: bool = Field(False, description="内部备注：只有工作人员看得到")
    reply_to: Int | None = Field(None, ge=1, description="回复的消息 seq")
    client_id: str = Field(
        "", max_length=64, description="客户端生成的唯一标识：重发同一 client_id 只会保存一条"
    )


@router.post(
    "/{case_id}/messages",
    response=with_errors({201: MessageOut}),
    summary="在代办群发言",
    description="发言过快（每人每分钟条数，见 STAFF_MESSAGES_PER_PERSON）返回 429，带 Retry-After："
    "消息没有保存，等待后用同一 client_id 重发即可，不会重复。",
)
def post(request: HttpRequest, case_id: Int, payload: PostIn) -> Any:
    conversation, _access, viewer = _open(request, case_id)
    try:
        message = post_message(
            conversation=conversation,
            viewer=viewer,
            body=payload.body,
            reply_to=payload.reply_to,
            internal=payload.internal,
            client_id=payload.client_id,
        )
    except RateLimited as exc:
        response = json_error(429, exc.message, retry_after=exc.retry_after)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return WithStatus(201, serialize(message))


class ReadIn(Schema):
    model_config = ConfigDict(extra="forbid")

    seq: Int = Field(..., ge=0, description="已读到的消息 seq")


class ReadOut(Schema):
    last_read_seq: int


@router.post("/{case_id}/messages/read", response=with_errors({200: ReadOut}), summary="标记代办群消息已读")
def read(request: HttpRequest, case_id: Int, payload: ReadIn) -> dict[str, Any]:
    conversation, _access, viewer = _open(request, case_id)
    return {"last_read_seq": mark_read(conversation=conversation, viewer=viewer, seq=payload.seq)}
