"""HTTP side of the conversation (the live side is consumers.py): paging back through history, file
upload and download, joining, marking read. JSON for the page's script (static/js/conversation.js).

The same addresses serve staff (login) and the citizen (proved mobile in the session); `as=citizen` says
which one a page speaks as. Anyone who may not read the conversation gets 404, never a hint that the
record exists.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from shanghui.audit.actions import AuditAction
from shanghui.audit.downloads import audited_file_response
from shanghui.conversations import services
from shanghui.conversations.access import viewers_for
from shanghui.conversations.models import Conversation
from shanghui.lib.owners import Access, Viewer
from shanghui.lib.ratelimit import RateLimited


def _open(request: HttpRequest, owner_type: str, owner_id: int) -> tuple[Conversation, Access, Viewer]:
    as_citizen = (request.GET.get("as") or request.POST.get("as")) == "citizen"
    candidates = viewers_for(request.user, request.session, as_citizen=as_citizen)
    return services.open_as(owner_type, owner_id, candidates)


def _seq(raw: str | None) -> int | None:
    """A sequence number from the query or form, or None (absent or not a small non-negative number)."""
    raw = (raw or "").strip()
    # isascii: "²".isdigit() is true, and int("²") fails.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


FILES_REFUSED = gettext_lazy("文件含个人信息，您可以看到发送了文件，但不能打开")


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_GET
def messages(request: HttpRequest, owner_type: str, owner_id: int) -> JsonResponse:
    """A page of history: `?before=N` pages back, `?after=N` catches up, neither gives the latest."""
    conversation, access, _viewer = _open(request, owner_type, owner_id)
    before, after = _seq(request.GET.get("before")), _seq(request.GET.get("after"))
    page, more = services.history(conversation, access, before=before, after=after)
    return JsonResponse({"messages": [services.serialize(m) for m in page], "more": more})


@never_cache
@require_POST
def upload(request: HttpRequest, owner_type: str, owner_id: int) -> JsonResponse:
    """An image or file (same content checks as case materials), with an optional caption. The message
    reaches the sockets by broadcast after commit; the answer carries it too, for a page whose socket is
    down."""
    conversation, _access, viewer = _open(request, owner_type, owner_id)
    file = request.FILES.get("file")
    if file is None:
        return _error(gettext("请选择要发送的图片或文件"), 422)
    raw_reply = request.POST.get("reply_to", "")
    reply_to = _seq(raw_reply)
    if raw_reply.strip() and reply_to is None:
        return _error(gettext("要回复的消息不存在"), 422)
    try:
        message, created = services.store_message(
            conversation=conversation, viewer=viewer, body=request.POST.get("body", ""), upload=file,
            reply_to=reply_to, internal=request.POST.get("internal", "") in ("1", "true", "on"),
            client_id=request.POST.get("client_id", ""),
        )  # fmt: skip
    except PermissionDenied as exc:
        return _error(str(exc) or gettext("您不能在此会话中发言"), 403)
    except ValidationError as exc:  # the file (type, size) or a quota (files per case, MB per day)
        return _error("；".join(exc.messages), 422)
    except RateLimited as exc:  # nothing stored: the page sends the same client_id again after the wait
        return JsonResponse(
            {"error": exc.message, "retry_after": exc.retry_after}, status=429,
            headers={"Retry-After": str(exc.retry_after)}, json_dumps_params={"ensure_ascii": False},
        )  # fmt: skip
    return JsonResponse(
        {"message": services.serialize(message), "created": created}, status=201 if created else 200
    )


@require_GET
def download(request: HttpRequest, owner_type: str, owner_id: int, seq: int) -> FileResponse:
    """A message's file after the access checks — the reader's (internal notes' files only for staff),
    then the owner's rule for its files (403 for a reader without it) — and audited. Images open in the
    page; other files download under their original name."""
    conversation, access, viewer = _open(request, owner_type, owner_id)
    message = services.message_for(conversation, access, seq)
    if message is None or not message.file:
        raise Http404(gettext("文件不存在"))
    if not access.files:
        raise PermissionDenied(FILES_REFUSED)
    return audited_file_response(
        request, message.file, actor=viewer.user, citizen=viewer.is_citizen, action=AuditAction.CONVERSATION_FILE_DOWNLOAD, obj=message,
        object_repr=f"{owner_type}:{owner_id} 第 {message.seq} 条消息",
        detail={"owner_type": owner_type, "owner_id": owner_id, "seq": message.seq, "internal": message.internal},
        content_type=message.file_type or "application/octet-stream",
        as_attachment=not message.file_type.startswith("image/"), filename=message.file_name,
    )  # fmt: skip


@never_cache
@require_POST
def join(request: HttpRequest, owner_type: str, owner_id: int) -> JsonResponse:
    conversation, _access, viewer = _open(request, owner_type, owner_id)
    try:
        services.join(conversation=conversation, viewer=viewer)
    except PermissionDenied as exc:
        return _error(str(exc) or gettext("您不能加入此会话"), 403)
    return JsonResponse({"access": asdict(services.access_for(conversation, viewer))})


@never_cache
@require_POST
def read(request: HttpRequest, owner_type: str, owner_id: int) -> JsonResponse:
    conversation, _access, viewer = _open(request, owner_type, owner_id)
    seq = _seq(request.POST.get("seq"))
    if seq is None:
        return _error(gettext("缺少已读位置"), 422)
    stored = services.mark_read(conversation=conversation, viewer=viewer, seq=seq)
    return JsonResponse({"seq": stored})


# --- The panel on a page -----------------------------------------------------------------------------


def panel_context(
    request: HttpRequest, owner_type: str, owner_id: int, *, as_citizen: bool
) -> dict[str, Any] | None:
    """What the conversation panel of a page needs (templatetags/conversations.py), or None when the
    person may not read the conversation. Computed once per request and record: the page shows the
    unread badge and the panel from the same answer."""
    cache: dict[tuple[str, int, bool], dict[str, Any] | None] = request.__dict__.setdefault(
        "_conversation_panels", {}
    )
    key = (owner_type, owner_id, as_citizen)
    if key not in cache:
        cache[key] = _panel(request, owner_type, owner_id, as_citizen=as_citizen)
    return cache[key]


def _panel(
    request: HttpRequest, owner_type: str, owner_id: int, *, as_citizen: bool
) -> dict[str, Any] | None:
    try:
        conversation, access, viewer = services.open_as(
            owner_type, owner_id, viewers_for(request.user, request.session, as_citizen=as_citizen)
        )
    except Http404:
        return None
    query = "?as=citizen" if as_citizen else ""
    args = [owner_type, owner_id]
    return {
        "access": access,
        "me": services.author_key_of(viewer),
        "citizen": viewer.is_citizen,
        "unread": services.unread_count(conversation, viewer, access),
        "ws_path": f"/ws/conversations/{owner_type}/{owner_id}/{query}",
        "messages_url": reverse("conversations:messages", args=args) + query,
        "upload_url": reverse("conversations:upload", args=args) + query,
        "join_url": reverse("conversations:join", args=args) + query,
        "read_url": reverse("conversations:read", args=args) + query,
        "max_mb": settings.PROXY_MAX_UPLOAD_MB,
        "max_body": services.MAX_BODY,
    }
