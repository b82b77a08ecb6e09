"""Every write to a conversation, and the reads that must apply the same visibility.

A message is stored (numbered under the conversation's row lock) and only broadcast after the
transaction commits: a socket never shows a message that a reload would not find. Clients that were
away ask for `history(after=<last seq seen>)`; `seq` follows commit order, so nothing is skipped, and
`client_id` makes a re-sent post land once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from shanghui.conversations.models import Conversation, Message, Participant
from shanghui.lib import ratelimit
from shanghui.lib.bounds import NUL, NUL_MESSAGE
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.owners import NO_ACCESS, Access, Owner, TellsStaff, Viewer, owner_for
from shanghui.lib.quotas import quotas_for
from shanghui.lib.uploads import check_upload

logger = logging.getLogger("shanghui.conversations")

MAX_BODY = 2000
PAGE = 50


# --- Finding a conversation and what the viewer may do --------------------------------------------


def conversation_for(owner_type: str, owner_id: int) -> Conversation:
    """The owner's conversation, created on first use (concurrent first uses create one)."""
    conversation = Conversation.objects.filter(owner_type=owner_type, owner_id=owner_id).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(owner_type=owner_type, owner_id=owner_id)
    except IntegrityError:
        return Conversation.objects.get(owner_type=owner_type, owner_id=owner_id)


def _participant_filter(viewer: Viewer) -> dict[str, Any]:
    return {"user": viewer.user} if viewer.user is not None else {"mobile": viewer.mobile}


def access_for(conversation: Conversation, viewer: Viewer) -> Access:
    adapter = owner_for(conversation.owner_type)
    if adapter is None or (viewer.user is None and not viewer.mobile):
        return NO_ACCESS
    return _as_joined(
        adapter, conversation, viewer, adapter.access(viewer, conversation.owner_id, joined=False)
    )


def _as_joined(adapter: Owner, conversation: Conversation, viewer: Viewer, access: Access) -> Access:
    """`access` (asked as not joined) as it is for a viewer who joined. Having joined matters only to
    someone who may join (a supervisor): the agents and clerks who receive most events are answered
    without looking for their participant row."""
    if (
        access.can_join
        and viewer.user is not None
        and Participant.objects.filter(
            conversation=conversation, user=viewer.user, joined_at__isnull=False
        ).exists()
    ):
        return adapter.access(viewer, conversation.owner_id, joined=True)
    return access


def open_for(owner_type: str, owner_id: int, viewer: Viewer) -> tuple[Conversation, Access]:
    """The conversation and the viewer's access, or Http404 when they may not read it (never reveal
    that the record exists)."""
    adapter = owner_for(owner_type)
    if adapter is None or (viewer.user is None and not viewer.mobile):
        raise Http404("会话不存在或无权查看")
    access = adapter.access(viewer, owner_id, joined=False)
    if not access.read:
        raise Http404("会话不存在或无权查看")
    conversation = conversation_for(owner_type, owner_id)
    return conversation, _as_joined(adapter, conversation, viewer, access)


def open_as(owner_type: str, owner_id: int, candidates: list[Viewer]) -> tuple[Conversation, Access, Viewer]:
    """`open_for` as the first of `candidates` who may read (a staff member who also proved a mobile
    number in the same browser is one or the other, in the order the page asked for)."""
    for viewer in candidates:
        try:
            conversation, access = open_for(owner_type, owner_id, viewer)
        except Http404:
            continue
        return conversation, access, viewer
    raise Http404("会话不存在或无权查看")


def takes_part(viewer: Viewer, access: Access) -> bool:
    """Whether a reader is a member whom the others see (read receipts, participant list): the
    applicant, the staff who act on the record and supervisors who joined — not silent readers such as
    auditors or supervisors who only look."""
    return access.read and (viewer.is_citizen or access.post)


def visible(conversation: Conversation, access: Access) -> QuerySet[Message]:
    messages = Message.objects.filter(conversation=conversation)
    if not access.internal:
        messages = messages.filter(internal=False)
    return messages


def history(
    conversation: Conversation,
    access: Access,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int | None = None,
) -> tuple[list[Message], bool]:
    """A page of messages in seq order and whether more exist in that direction: `after` catches up
    (oldest first from there), `before` pages back, neither gives the latest page. `limit` defaults to
    PAGE messages."""
    limit = max(1, min(PAGE if limit is None else limit, 200))
    messages = visible(conversation, access).select_related("reply_to", "conversation")
    if after is not None:
        page = list(messages.filter(seq__gt=after).order_by("seq")[: limit + 1])
        return page[:limit], len(page) > limit
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages.order_by("-seq")[: limit + 1])
    return list(reversed(page[:limit])), len(page) > limit


def message_for(conversation: Conversation, access: Access, seq: int) -> Message | None:
    """One message as this reader may see it (None for an internal note the reader may not see)."""
    return visible(conversation, access).select_related("reply_to", "conversation").filter(seq=seq).first()


def unread_count(conversation: Conversation, viewer: Viewer, access: Access) -> int:
    """Messages from others after the viewer's last read (status changes are not counted: they come
    by SMS and on the case page anyway)."""
    seen = (
        Participant.objects.filter(conversation=conversation, **_participant_filter(viewer))
        .values_list("last_read_seq", flat=True)
        .first()
    ) or 0
    unread = visible(conversation, access).filter(seq__gt=seen).exclude(kind=Message.Kind.SYSTEM)
    if viewer.user is None:
        unread = unread.exclude(author_role=Message.AuthorRole.CITIZEN)
    else:
        unread = unread.exclude(author=viewer.user)
    return unread.count()


def unread_counts(
    owner_type: str, owner_ids: list[int], user: Any, *, internal: bool = True
) -> dict[int, int]:
    """`unread_count` for a staff member over many records at once (a list page's badges), in one
    query: {owner id: messages from others after the user's last read}, records without unread messages
    left out. The caller has already limited `owner_ids` to records the user may read; `internal` says
    whether they read internal notes (every staff reader of a proxy case does)."""
    if not owner_ids:
        return {}
    seen = Participant.objects.filter(conversation=OuterRef("conversation_id"), user=user).values(
        "last_read_seq"
    )[:1]
    messages = (
        Message.objects.filter(conversation__owner_type=owner_type, conversation__owner_id__in=owner_ids)
        .exclude(kind=Message.Kind.SYSTEM)
        .exclude(author=user)
        .annotate(seen=Coalesce(Subquery(seen), Value(0)))
        .filter(seq__gt=F("seen"))
    )
    if not internal:
        messages = messages.filter(internal=False)
    rows = messages.order_by().values("conversation__owner_id").annotate(n=Count("pk"))
    return {row["conversation__owner_id"]: row["n"] for row in rows}


def participants(conversation: Conversation) -> list[dict[str, Any]]:
    """Who takes part now, with how far each has read. Rows stay when someone leaves the case; their
    standing is asked of the owner again, so a removed agent drops out of the list."""
    adapter = owner_for(conversation.owner_type)
    if adapter is None:
        return []
    result = []
    for row in Participant.objects.filter(conversation=conversation).select_related("user").order_by("pk"):
        viewer = Viewer(user=row.user) if row.user is not None else Viewer(mobile=row.mobile)
        access = adapter.access(viewer, conversation.owner_id, joined=row.joined_at is not None)
        if takes_part(viewer, access):
            result.append(
                {"key": author_key_of(viewer), "name": access.name, "last_read_seq": row.last_read_seq}
            )
    return result


# --- Writes ------------------------------------------------------------------------------------------


def _participant(conversation: Conversation, viewer: Viewer, access: Access) -> Participant:
    participant, created = Participant.objects.get_or_create(
        conversation=conversation, **_participant_filter(viewer), defaults={"name": access.name[:60]}
    )
    if not created and access.name and participant.name != access.name[:60]:
        participant.name = access.name[:60]  # a renamed agent is shown by the new name
        participant.save(update_fields=["name", "updated_at"])
    return participant


def _resent(conversation: Conversation, client_id: str, author_key: str) -> Message | None:
    """The message already stored under this client id. Only its own author may claim it: a client id
    of someone else's (internal) message must not hand that message out."""
    existing = Message.objects.filter(conversation=conversation, client_id=client_id).first()
    if existing is not None and _author_key(existing.author_id, existing.author_role) != author_key:
        raise ValidationError({"client_id": "消息编号重复，请刷新页面后重新发送"})
    return existing


def post_message(
    *,
    conversation: Conversation,
    viewer: Viewer,
    body: str = "",
    upload: UploadedFile | None = None,
    reply_to: int | None = None,
    internal: bool = False,
    client_id: str = "",
) -> Message:
    """Store a message from a person and broadcast it after commit. Re-sending the same `client_id`
    returns the stored message and changes nothing. RateLimited when the person posts too fast."""
    message, _created = store_message(
        conversation=conversation, viewer=viewer, body=body, upload=upload, reply_to=reply_to,
        internal=internal, client_id=client_id,
    )  # fmt: skip
    return message


@transaction.atomic
def store_message(
    *,
    conversation: Conversation,
    viewer: Viewer,
    body: str = "",
    upload: UploadedFile | None = None,
    reply_to: int | None = None,
    internal: bool = False,
    client_id: str = "",
    socket: str = "",
) -> tuple[Message, bool]:
    """`post_message`, also saying whether the message is new (False: a re-send of a stored post, which
    is not broadcast again; the socket that re-sent it gets it directly). `socket` names the live
    connection that sent it, whose own rate applies besides the person's (check_rate)."""
    access = access_for(conversation, viewer)
    if not access.read:
        raise Http404("会话不存在或无权查看")
    client_id = (client_id or "").strip()[:64]
    # The socket reaches this without a form or the pages' middleware (lib.bounds): PostgreSQL cannot
    # store NUL, and the client id is looked up before anything else.
    for name, text in (("body", body or ""), ("client_id", client_id)):
        if NUL in text:
            raise ValidationError({name: NUL_MESSAGE})
    mine = author_key_of(viewer)
    # The number first: it locks the conversation's row, so posts to it are numbered in commit order, and
    # under the lock a re-send of a stored post (a retry after a reconnect, or two sends of one post that
    # raced) finds the first one instead of failing on the unique constraint. A re-send is answered
    # before the checks below: it was allowed when it was first stored (the case may have been closed
    # since, which must not turn a delivered message into an error). A refused post rolls the number
    # back with the transaction.
    seq = _take_seq(conversation)
    if client_id and (existing := _resent(conversation, client_id, mine)) is not None:
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") - 1)
        return existing, False
    if not access.post:
        if access.can_join:
            raise PermissionDenied("请先加入会话再发言")
        raise PermissionDenied("办件已结束，不能再发送消息" if viewer.is_citizen else "您不能在此会话中发言")
    if internal and not access.internal:
        raise PermissionDenied("只有工作人员可以写内部备注")
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"消息不能超过 {MAX_BODY} 字"})
    if not body and upload is None:
        raise ValidationError({"body": "请输入消息内容"})
    target: Message | None = None
    if reply_to is not None:
        target = visible(conversation, access).filter(seq=reply_to).first()
        if target is None:
            raise ValidationError({"reply_to": "要回复的消息不存在"})
        if target.internal and not internal:
            raise ValidationError({"reply_to": "内部备注不能在群聊中引用"})
    kind = Message.Kind.TEXT
    file_type = extension = ""
    if upload is not None:
        file_type, extension = check_upload(upload)
        kind = Message.Kind.IMAGE if file_type.startswith("image/") else Message.Kind.FILE
        owner = owner_for(conversation.owner_type)
        if owner is not None:
            owner.check_upload(viewer, conversation.owner_id, upload.size or 0)
    # Last, so that only a post that would be stored counts against the rate.
    check_rate(viewer, socket=socket)

    message = Message(
        conversation=conversation, seq=seq, kind=kind, internal=internal, author=viewer.user,
        author_role=Message.AuthorRole.CITIZEN if viewer.is_citizen else Message.AuthorRole.STAFF,
        author_name=access.name[:60], author_mobile=viewer.mobile if viewer.is_citizen else "", body=body,
        reply_to=target, client_id=client_id,
    )  # fmt: skip
    if upload is not None:
        message.file_name = os.path.basename(upload.name or "")[:200] or f"文件{extension}"
        message.file_type = file_type
        message.file_size = upload.size or 0
        # Stored under a random name: the original name is only shown, never used as a path.
        message.file.save(f"{conversation.pk}-{secrets.token_hex(8)}{extension}", upload, save=False)
    message.save()
    if viewer.is_citizen and isinstance(owner := owner_for(conversation.owner_type), TellsStaff):
        owner.citizen_posted(
            conversation.owner_id, conversation_id=conversation.pk, seq=message.seq, author=access.name,
            excerpt=body[:40] if body else (message.file_name or "")[:40],
        )  # fmt: skip
    event = _message_event(message)
    # Writing a message means having read everything up to it (the others' receipts turn to 已读). The
    # receipt goes out with the message: one event, one access check per socket instead of two.
    if _read_up_to(conversation, viewer, access, message.seq) and takes_part(viewer, access):
        event["read"] = _read_receipt(viewer, access, message.seq)
    _broadcast_on_commit(conversation, event)
    return message, True


def check_rate(viewer: Viewer, *, socket: str = "") -> None:
    """Count a post against its socket's rate and its author's (every socket, page and API call of
    theirs together; settings *_MESSAGES_PER_SOCKET and *_MESSAGES_PER_PERSON, citizens stricter than
    staff), or raise RateLimited saying when to send again. Nothing is dropped: the client is told and
    sends the same post (same client_id) again."""
    limits = quotas_for(citizen=viewer.is_citizen)
    person = f"citizen:{keyed_hash(viewer.mobile)[:24]}" if viewer.is_citizen else f"user:{viewer.user.pk}"  # type: ignore[union-attr]
    windows = [(f"messages:person:{person}", limits.messages_per_person)]
    if socket:
        windows.insert(0, (f"messages:socket:{socket}", limits.messages_per_socket))
    for key, rate in windows:
        wait = ratelimit.hit(key, rate)
        if wait is not None:
            raise ratelimit.RateLimited("发送太频繁，请 {seconds} 秒后再发", wait)


def _take_seq(conversation: Conversation) -> int:
    """Lock the conversation's row and take its next message number, in one statement (the caller's
    transaction holds the lock until it commits). Every message, posted or system, is numbered here."""
    quote = connection.ops.quote_name
    table, column = quote(Conversation._meta.db_table), quote("last_seq")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE {quote('id')} = %s RETURNING {column}",  # noqa: S608  (names from the model)
            [conversation.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conversation.DoesNotExist(f"conversation {conversation.pk}")
    return int(row[0])


def _read_up_to(conversation: Conversation, viewer: Viewer, access: Access, seq: int) -> bool:
    """Move the viewer's last read seq up to `seq` (creating their participant row, refreshing their
    name); whether it moved. The usual case — a member whose row exists under the same name — is one
    UPDATE."""
    name = access.name[:60]
    if Participant.objects.filter(
        conversation=conversation, **_participant_filter(viewer), name=name, last_read_seq__lt=seq
    ).update(last_read_seq=seq, updated_at=timezone.now()):
        return True
    participant = _participant(conversation, viewer, access)
    if participant.last_read_seq >= seq:
        return False
    Participant.objects.filter(pk=participant.pk).update(last_read_seq=seq, updated_at=timezone.now())
    return True


def _append_system(
    locked: Conversation,
    *,
    ref: str,
    body: str,
    lines: list[dict[str, Any]] | None = None,
    fresh: bool = False,
) -> Message:
    """A system message on a conversation whose row the caller holds locked. The same `ref` is stored
    once (`fresh`: the conversation was created in this transaction, it has no message yet)."""
    existing = None if fresh else Message.objects.filter(conversation=locked, ref=ref[:60]).first()
    if existing is not None:
        return existing
    locked.last_seq = _take_seq(locked)
    return _write_system(locked, ref=ref, body=body, lines=lines)


def _write_system(
    locked: Conversation, *, ref: str, body: str, lines: list[dict[str, Any]] | None = None
) -> Message:
    """Write the system message numbered `locked.last_seq` (taken under the conversation's row lock)."""
    message = Message.objects.create(
        conversation=locked, seq=locked.last_seq, kind=Message.Kind.SYSTEM, author_role=Message.AuthorRole.SYSTEM,
        author_name="系统", body=body[:MAX_BODY], ref=ref[:60], lines=lines or [],
    )  # fmt: skip
    event = _message_event(message)
    pending: set[tuple[str, int]] = getattr(_unannounced, "owners", set())
    if (locked.owner_type, locked.owner_id) in pending:
        # The owner's record changed in this transaction (access_changed): the message tells the sockets.
        pending.discard((locked.owner_type, locked.owner_id))
        event["access"] = True
    _broadcast_on_commit(locked, event)
    return message


def _numbered(pk: int, owner_type: str, owner_id: int, seq: int) -> Conversation:
    conversation = Conversation(pk=pk, owner_type=owner_type, owner_id=owner_id, last_seq=seq)
    conversation._state.adding, conversation._state.db = False, connection.alias  # a row that exists
    return conversation


def _take_owner_seq(owner_type: str, owner_id: int) -> Conversation:
    """The owner's conversation, its row locked and its next message number taken: one statement when
    it exists (UPDATE … RETURNING), one more when it does not (INSERT … ON CONFLICT DO NOTHING, numbered
    1 at once; a concurrent first use that inserted it first is waited for, then its row is taken)."""
    quote = connection.ops.quote_name
    table, seq, pk = quote(Conversation._meta.db_table), quote("last_seq"), quote("id")
    owner = f"{quote('owner_type')} = %s AND {quote('owner_id')} = %s"
    with connection.cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"UPDATE {table} SET {seq} = {seq} + 1 WHERE {owner} RETURNING {pk}, {seq}",  # noqa: S608  (names from the model)
                [owner_type, owner_id],
            )
            if row := cursor.fetchone():
                return _numbered(int(row[0]), owner_type, owner_id, int(row[1]))
            cursor.execute(
                f"INSERT INTO {table} ({quote('owner_type')}, {quote('owner_id')}, {seq}, {quote('created_at')})"  # noqa: S608
                f" VALUES (%s, %s, 1, %s) ON CONFLICT ({quote('owner_type')}, {quote('owner_id')}) DO NOTHING"
                f" RETURNING {pk}",
                [owner_type, owner_id, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            if row := cursor.fetchone():
                return _numbered(int(row[0]), owner_type, owner_id, 1)
    raise Conversation.DoesNotExist(f"conversation of {owner_type}:{owner_id}")


# --- System messages in the reader's language -------------------------------------------------------
#
# A system message may be given as lines, each a Chinese msgid (marked with gettext_noop by the caller)
# with its parameters; `labels` names the parameters that are themselves Chinese msgids (a status, an
# actor) and are translated too. The lines are stored with the message and its Chinese body; every
# reader gets them rendered in the active language (serialize). The socket's broadcast is serialised
# once in Chinese and carries the lines beside it: a socket whose reader chose another language renders
# the body again (consumers.conversation_message) — only system messages, which are rare.


def system_line(msgid: str, *, labels: tuple[str, ...] = (), **params: Any) -> dict[str, Any]:
    """One line of a system message: `msgid` % params, with the `labels` parameters translated too."""
    return {"msgid": msgid, "params": {k: str(v) for k, v in params.items()}, "labels": list(labels)}


def render_lines(lines: list[dict[str, Any]]) -> str:
    """The lines of a system message as text in the active language."""
    rendered = []
    for line in lines:
        params = dict(line.get("params") or {})
        for name in line.get("labels") or ():
            if params.get(name):
                params[name] = gettext(params[name])
        text = gettext(line["msgid"])
        try:
            rendered.append(text % params if params else text)
        except (KeyError, TypeError, ValueError):  # a translation that does not fit its parameters
            rendered.append(line["msgid"] % params if params else line["msgid"])
    return "\n".join(rendered)


def display_body(message: Message) -> str:
    """The message's text for the reader (the active language): a system message with lines is rendered
    again unless the language is the source language; every other message keeps its stored body."""
    if message.lines and translation.get_language() != settings.LANGUAGE_CODE:
        return render_lines(message.lines)
    return message.body


@transaction.atomic(savepoint=False)  # called inside the workflow's transaction: no savepoint of its own
def post_system(
    *, owner_type: str, owner_id: int, ref: str, body: str = "", lines: list[dict[str, Any]] | None = None,
    new_ref: bool = False,
) -> Message:  # fmt: skip
    """A system message (a status change of the case), given as its Chinese `body` or as translatable
    `lines` (system_line; the body is then rendered from them in Chinese). The same `ref` is stored
    once. `new_ref`: the caller knows no message can have `ref` yet (it names a row written in this
    transaction, such as the event of the status change): the conversation is then found (or created),
    locked and numbered in one statement and the message written in a second, with no look-up of the ref."""
    lines = lines or []
    if lines:
        with translation.override(settings.LANGUAGE_CODE):
            body = render_lines(lines)
    if new_ref:
        return _write_system(_take_owner_seq(owner_type, owner_id), ref=ref, body=body, lines=lines)
    # Found and locked in one statement: the sequence numbers are handed out under this lock.
    locked = Conversation.objects.select_for_update().filter(owner_type=owner_type, owner_id=owner_id).first()
    if locked is not None:
        return _append_system(locked, ref=ref, body=body, lines=lines)
    try:
        with transaction.atomic():
            # The new row is this transaction's until it commits: a concurrent first use waits on
            # the unique owner, then fails and takes the row below.
            created = Conversation.objects.create(owner_type=owner_type, owner_id=owner_id)
    except IntegrityError:
        locked = Conversation.objects.select_for_update().get(owner_type=owner_type, owner_id=owner_id)
        return _append_system(locked, ref=ref, body=body, lines=lines)
    return _append_system(created, ref=ref, body=body, lines=lines, fresh=True)


@transaction.atomic
def mark_read(*, conversation: Conversation, viewer: Viewer, seq: int) -> int:
    """Record that the viewer has read up to `seq` (never moves back). Returns the stored value. The
    others hear of it only when the reader takes part (an auditor reads unseen)."""
    access = access_for(conversation, viewer)
    if not access.read:
        raise Http404("会话不存在或无权查看")
    seq = max(
        0, min(int(seq), Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk))
    )
    participant = _participant(conversation, viewer, access)
    updated = Participant.objects.filter(pk=participant.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq, updated_at=timezone.now()
    )
    if not updated:
        return max(participant.last_read_seq, seq)
    _broadcast_read(conversation, viewer, access, seq)
    return seq


def _read_receipt(viewer: Viewer, access: Access, seq: int) -> dict[str, Any]:
    return {"reader": author_key_of(viewer), "name": access.name, "seq": seq}


def _broadcast_read(conversation: Conversation, viewer: Viewer, access: Access, seq: int) -> None:
    """Tell the others how far this reader has read — only for members, so an auditor reads unseen."""
    if takes_part(viewer, access):
        _broadcast_on_commit(
            conversation, {"type": "conversation.read", **_read_receipt(viewer, access, seq)}
        )


@transaction.atomic
def join(*, conversation: Conversation, viewer: Viewer) -> Participant:
    """A supervisor joins the conversation to speak in it; everyone sees that they did."""
    access = access_for(conversation, viewer)
    if not access.read:
        raise Http404("会话不存在或无权查看")
    if viewer.user is None or not (access.can_join or access.post):
        raise PermissionDenied("您不能加入此会话")
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    participant = _participant(locked, viewer, access)
    if participant.joined_at is None:
        participant.joined_at = timezone.now()
        participant.save(update_fields=["joined_at", "updated_at"])
        # Before the system message below (callbacks run in order): the joiner's sockets may now post.
        access_changed(user_id=viewer.user.pk)
        if access.can_join:  # a supervisor, not someone who was a member anyway
            lines = [system_line(gettext_noop("%(name)s 加入了会话"), name=access.name)]
            with translation.override(settings.LANGUAGE_CODE):
                body = render_lines(lines)
            _append_system(locked, ref=f"join:{viewer.user.pk}", body=body, lines=lines)
    return participant


# --- What clients receive -----------------------------------------------------------------------------


def _author_key(author_id: int | None, author_role: str) -> str:
    if author_role == Message.AuthorRole.CITIZEN:
        return "citizen"
    if author_role == Message.AuthorRole.SYSTEM or author_id is None:
        return "system"
    return f"u:{author_id}"


def author_key_of(viewer: Viewer) -> str:
    """How a viewer's own messages are marked, so the page can tell "mine" (one citizen per case)."""
    return "citizen" if viewer.is_citizen else f"u:{viewer.user.pk}"  # type: ignore[union-attr]


def download_url(message: Message) -> str:
    """The access-checked download of a message's file (the same address for staff and citizen)."""
    conversation = message.conversation
    return reverse("conversations:file", args=[conversation.owner_type, conversation.owner_id, message.seq])


def serialize(message: Message, *, file_url: str = "") -> dict[str, Any]:
    """A message as every client sees it. No mobile numbers; the file by URL (access-checked view)."""
    reply = message.reply_to
    if message.file and not file_url:
        file_url = download_url(message)
    return {
        "id": message.pk,
        "seq": message.seq,
        "kind": message.kind,
        "internal": message.internal,
        "author": {"key": _author_key(message.author_id, message.author_role), "name": message.author_name,
                   "role": message.author_role},
        "body": display_body(message),
        "reply_to": {"seq": reply.seq, "author": reply.author_name, "excerpt": reply.body[:60] or reply.file_name}
        if reply is not None
        else None,
        "file": {"url": file_url, "name": message.file_name, "size": message.file_size, "type": message.file_type}
        if message.file
        else None,
        "created_at": timezone.localtime(message.created_at).isoformat(),
    }  # fmt: skip


def _message_event(message: Message) -> dict[str, Any]:
    """The group event of a new message: the message as every client sees it, serialised once here
    rather than read and serialised again by every socket; `internal` tells sockets whose viewer may not
    see internal notes to drop it."""
    with translation.override(settings.LANGUAGE_CODE):  # once for all readers: in Chinese
        event = {
            "type": "conversation.message",
            "seq": message.seq,
            "internal": message.internal,
            "message": serialize(message),
        }
    if message.lines:  # a reader in another language gets the body rendered again by its socket
        event["lines"] = message.lines
    return event


# --- Who may see what changed -------------------------------------------------------------------------
#
# A live socket keeps its viewer's access answer between events (consumers.py) when the owner announces
# its changes (lib/owners.AnnouncesAccessChanges). Whatever may change an answer sends this event after
# its transaction commits, to the sockets it may concern, which drop what they kept and ask again at
# their next event: the owner's record (the owner, through access_changed), a supervisor joining (join
# below), and the people's side, announced from this app's signals (conversations/signals.py): the user
# row (deactivation, name, superuser), their memberships, and any organisation (a move or a deactivation
# changes the subtrees every scope is built from).

ACCESS_CHANGED = "conversation.access"
EVERYONE_GROUP = "conversations.everyone"  # every staff socket: organisation changes


def user_group(user_id: int) -> str:
    """The group of every conversation socket of one staff member."""
    return f"conversations.user.{user_id}"


def access_changed(
    *, owner_type: str = "", owner_id: int | None = None, user_id: int | None = None, everyone: bool = False
) -> None:
    """Tell the sockets of an owner's conversation, of a user, or every staff socket, once the current
    transaction commits (at once outside one), that their viewers' access may have changed."""
    groups = []
    if owner_type and owner_id is not None:
        # A system message of the same transaction (a status change: proxy/effects.after) carries the
        # announcement itself (_append_system); otherwise the conversation is looked up after commit.
        owner = (owner_type, owner_id)
        _unannounced.owners = getattr(_unannounced, "owners", set()) | {owner}
        transaction.on_commit(lambda: _announce_owner(owner))
    if user_id is not None:
        groups.append(user_group(user_id))
    if everyone:
        groups.append(EVERYONE_GROUP)
    for group in groups:
        transaction.on_commit(lambda group=group: _announce(group))  # type: ignore[misc]


_unannounced = threading.local()  # .owners: owners changed in this thread's transaction, not yet told


def _announce_owner(owner: tuple[str, int]) -> None:
    pending: set[tuple[str, int]] = getattr(_unannounced, "owners", set())
    if owner not in pending:
        return  # a system message carried it
    pending.discard(owner)
    # Only a record whose conversation exists has sockets to tell (one indexed look-up).
    for pk in Conversation.objects.filter(owner_type=owner[0], owner_id=owner[1]).values_list(
        "pk", flat=True
    ):
        _announce(Conversation(pk=pk).group_name)


def _announce(group: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        broadcast(group, {"type": ACCESS_CHANGED})
    else:  # only tests that drive a browser from this thread write here (see broadcast): kept answers
        # then last until their age limit
        logger.debug("access change for %s not announced: called on an event loop's thread", group)


def _broadcast_on_commit(conversation: Conversation, event: dict[str, Any]) -> None:
    group = conversation.group_name
    transaction.on_commit(lambda: broadcast(group, event))


def broadcast(group: str, event: dict[str, Any]) -> None:
    """Tell the sockets of a conversation. Consumers check access per socket before they pass anything
    on. A failed broadcast loses nothing: clients catch up from history on reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        # Sync code run straight on an event loop's thread (not through sync_to_async) cannot wait for
        # the send. Django forbids database writes there anyway; only tests that drive a browser from
        # the same thread do this.
        logger.warning("broadcast to %s skipped: called on an event loop's thread", group)
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # the message is stored; live delivery is best effort on top of it
        logger.exception("broadcast to %s failed", group)
