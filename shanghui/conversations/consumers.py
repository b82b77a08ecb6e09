"""The live conversation over WebSocket: ws/conversations/<owner_type>/<owner_id>/[?as=citizen].

Protocol (JSON frames; static/js/conversation.js is the client):

client → server
  {"type": "sync", "after": N}           → {"type": "history", "messages": [...], "more": bool}
                                           (oldest first; the client repeats from the last seq while more)
  {"type": "post", "body", "reply_to": seq|null, "internal": bool, "client_id"}
                                         → {"type": "ack", "client_id", "seq"}, and the message itself
                                           arrives by broadcast like everyone else's; a refusal is
                                           {"type": "error", "client_id", "message": "<Chinese>"};
                                           over the rate (per socket, per person: settings
                                           *_MESSAGES_PER_*) nothing is stored and the answer is
                                           {"type": "wait", "client_id", "retry_after": seconds,
                                           "message": "<Chinese>"}: the client keeps the post and
                                           sends it again (same client_id) after that many seconds
  {"type": "read", "seq": N}
server → client
  {"type": "hello", "me", "access": {...}, "participants": [{name, key, last_read_seq}], "last_seq"}
  {"type": "message", "message": {...services.serialize()}}
  {"type": "read", "reader", "name", "seq"}
group events (services.py): conversation.message, conversation.read, conversation.access (the viewer's
access may have changed: drop the kept answer; a system message with "access": true says the same)

The handshake is refused (closed before accept: HTTP 403) when the viewer may not read. Every group
event is checked against this socket's viewer's access, so a person removed from the case is cut off at
the next event with close code 4403, and internal notes never reach a viewer without `access.internal`.
The answer (a fresh user row, the memberships, the owner's record) is kept by the socket between events
when the owner announces its changes (lib/owners.AnnouncesAccessChanges), for at most
CONVERSATION_ACCESS_CACHE_SECONDS: whatever may change it — the owner's record, a supervisor joining,
the user row, their memberships, any organisation — sends `conversation.access` after it commits to the
conversation's group, the user's group or every staff socket (services.access_changed), and the socket
drops the answer and asks the database again at its next event. The socket is in those groups before it
asks the first time, so no announcement falls between its answer and its subscription; events reach a
socket in the order they were sent, so the event after a change is checked against the change. Posts
are always checked afresh (services.store_message), and a citizen's one-time-code session is checked
for its end at every event. A message event carries the message as every client sees it
(services.serialize, made once when it was stored), so a socket with a kept answer sends it without a
database call at all; the read receipt of a post's author rides on the same event and is sent right
after it (as a separate event was before).

Database access runs through channels' database_sync_to_async, which closes stale and broken
connections before and after each call (close_old_connections), as the request cycle does for views.
Every socket's calls in a process share one thread, one after another: on PostgreSQL, production's
connection pool (DB_POOL_MAX_SIZE) keeps them from opening a connection each.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from shanghui.accounts.citizen import citizen_session
from shanghui.accounts.models import User
from shanghui.conversations import services
from shanghui.conversations.access import viewers_for
from shanghui.conversations.models import Conversation
from shanghui.lib.owners import Access, AnnouncesAccessChanges, Viewer, owner_for
from shanghui.lib.ratelimit import RateLimited

# Close codes the page explains (4000–4999 are for applications).
CLOSE_NO_ACCESS = 4403  # removed from the case, or the account was deactivated
CLOSE_EXPIRED = 4401  # the citizen's one-time-code check has run out
MAX_FRAME = 16_000  # characters: a message is at most services.MAX_BODY characters plus the envelope


def monotonic() -> float:
    """The clock of a kept access answer's age (tests move it)."""
    return time.monotonic()


class Refused(Exception):
    """This socket's viewer may no longer read the conversation."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    conversation: Conversation
    user_id: int | None = None
    mobile: str = ""
    citizen_until: float = 0.0
    refused = False  # closed by us: later group events for this socket are dropped
    keep_seconds = 0.0  # how long the viewer's access answer is kept (0: asked at every event)
    kept: tuple[Viewer, Access] | None = None
    kept_until = 0.0  # monotonic()
    language = settings.LANGUAGE_CODE  # the page's (connect)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first closes old connections in a hop of its own to the database
        # thread, which queued every event behind the other sockets' database work; each
        # database_sync_to_async call here does it anyway.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        # The page's language (home/middleware.LanguageMiddleware: the language cookie, else Chinese):
        # what this socket serialises is in it, and system messages broadcast in Chinese are rendered
        # again in it (services.render_lines).
        chosen = (self.scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        self.language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        kwargs = self.scope["url_route"]["kwargs"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        try:
            owner_id = int(kwargs["owner_id"])
        except (TypeError, ValueError):
            await self.close()
            return
        opened = await database_sync_to_async(self._open)(
            kwargs["owner_type"], owner_id, query.get("as") == ["citizen"]
        )
        if not opened:
            await self.close()  # before accept: the handshake is answered with HTTP 403
            return
        groups = [self.conversation.group_name]
        owner = owner_for(self.conversation.owner_type)
        seconds = float(getattr(settings, "CONVERSATION_ACCESS_CACHE_SECONDS", 0) or 0)
        if seconds > 0 and isinstance(owner, AnnouncesAccessChanges) and owner.announces_access_changes:
            self.keep_seconds = seconds
            if self.user_id is not None:
                groups += [services.user_group(self.user_id), services.EVERYONE_GROUP]
        # In every group before the access is asked and kept (the hello below): no announcement of a
        # change can fall between the answer and the subscription.
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)  # left again in websocket_disconnect
        await self.accept()
        try:
            await self.send_json(await database_sync_to_async(self._hello)())
        except Refused as refused:  # access lost in between
            await self._refuse(refused.code)

    def _open(self, owner_type: str, owner_id: int, as_citizen: bool) -> bool:
        candidates = viewers_for(self.scope.get("user"), self.scope.get("session"), as_citizen=as_citizen)
        try:
            conversation, _access, viewer = services.open_as(owner_type, owner_id, candidates)
        except Http404:
            return False
        self.conversation = conversation
        if viewer.user is not None:
            self.user_id = viewer.user.pk
        else:
            self.mobile = viewer.mobile
            self.citizen_until = citizen_session(self.scope.get("session"))[1]
        return True

    def _viewer(self) -> Viewer:
        """This socket's viewer as of now, or Refused."""
        if self.user_id is None:
            if time.time() > self.citizen_until:
                raise Refused(CLOSE_EXPIRED)
            return Viewer(mobile=self.mobile)
        user = User.objects.filter(pk=self.user_id).first()
        if user is None:
            raise Refused(CLOSE_NO_ACCESS)
        return Viewer(user=user)

    def _kept(self) -> tuple[Viewer, Access] | None:
        """The kept access answer while it is good, else None; Refused once a citizen's session ended.
        No database: callable on the event loop."""
        if self.user_id is None and time.time() > self.citizen_until:
            raise Refused(CLOSE_EXPIRED)
        if self.kept is not None and monotonic() < self.kept_until:
            return self.kept
        return None

    def _access(self) -> tuple[Viewer, Access]:
        """The viewer and their access as of now (the kept answer while good), or Refused."""
        kept = self._kept()
        if kept is not None:
            return kept
        viewer = self._viewer()
        access = services.access_for(self.conversation, viewer)
        if not access.read:
            raise Refused(CLOSE_NO_ACCESS)
        if self.keep_seconds:
            self.kept, self.kept_until = (viewer, access), monotonic() + self.keep_seconds
        return viewer, access

    async def _current_access(self) -> tuple[Viewer, Access]:
        """`_access` without a hop to the database thread while the kept answer is good."""
        kept = self._kept()
        if kept is not None:
            return kept
        return await database_sync_to_async(self._access)()

    def _hello(self) -> dict[str, Any]:
        viewer, access = self._access()
        last_seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=self.conversation.pk)
        return {
            "type": "hello",
            "me": services.author_key_of(viewer),
            "access": asdict(access),
            "participants": services.participants(self.conversation),
            "last_seq": last_seq,
        }

    def _t(self, text: str) -> str:
        """`text` (a Chinese msgid) in this socket's language."""
        with translation.override(self.language):
            return gettext(text)

    async def _refuse(self, code: int) -> None:
        if not self.refused:
            self.refused = True
            await self.close(code=code)

    # --- from the client ------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.send_json(
                {"type": "error", "client_id": "", "message": self._t(gettext_noop("消息过长或格式不正确"))}
            )
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.send_json(
                {"type": "error", "client_id": "", "message": self._t(gettext_noop("无法识别的请求"))}
            )
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if self.refused:
            return
        kind = content.get("type")
        try:
            if kind == "sync":
                await self.send_json(await database_sync_to_async(self._history)(content.get("after")))
            elif kind == "post":
                for reply in await database_sync_to_async(self._post)(content):
                    await self.send_json(reply)
            elif kind == "read":
                await database_sync_to_async(self._read)(content.get("seq"))
            else:
                await self.send_json(
                    {"type": "error", "client_id": "", "message": self._t(gettext_noop("无法识别的请求"))}
                )
        except Refused as refused:
            await self._refuse(refused.code)

    def _history(self, after: Any) -> dict[str, Any]:
        _viewer, access = self._access()
        start = after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else 0
        messages, more = services.history(self.conversation, access, after=start)
        with translation.override(self.language):
            return {"type": "history", "messages": [services.serialize(m) for m in messages], "more": more}

    def _post(self, content: dict[str, Any]) -> list[dict[str, Any]]:
        client_id = content.get("client_id")
        client_id = client_id[:64] if isinstance(client_id, str) else ""
        body, reply_to, internal = content.get("body"), content.get("reply_to"), content.get("internal")
        if not isinstance(body, str) or not (
            reply_to is None or (isinstance(reply_to, int) and not isinstance(reply_to, bool))
        ):
            return [
                {"type": "error", "client_id": client_id, "message": self._t(gettext_noop("消息格式不正确"))}
            ]
        viewer = self._viewer()  # store_message asks the owner for access itself
        try:
            message, created = services.store_message(
                conversation=self.conversation, viewer=viewer, body=body, reply_to=reply_to,
                internal=internal is True, client_id=client_id, socket=self.channel_name,
            )  # fmt: skip
        except Http404:
            raise Refused(CLOSE_NO_ACCESS) from None
        except RateLimited as exc:
            return [
                {
                    "type": "wait",
                    "client_id": client_id,
                    "retry_after": exc.retry_after,
                    "message": exc.message,
                }
            ]
        except PermissionDenied as exc:
            return [
                {
                    "type": "error",
                    "client_id": client_id,
                    "message": str(exc) or self._t(gettext_noop("您不能在此会话中发言")),
                }
            ]
        except ValidationError as exc:
            return [{"type": "error", "client_id": client_id, "message": "；".join(exc.messages)}]
        replies = [{"type": "ack", "client_id": client_id, "seq": message.seq}]
        if not created:
            # A re-send of a stored post is not broadcast again; this socket may have missed the first.
            with translation.override(self.language):
                replies.append({"type": "message", "message": services.serialize(message)})
        return replies

    def _read(self, seq: Any) -> None:
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            return
        viewer, _access = self._access()
        services.mark_read(conversation=self.conversation, viewer=viewer, seq=seq)

    # --- group events (services.broadcast) ---------------------------------------------------------

    async def conversation_message(self, event: dict[str, Any]) -> None:
        if self.refused:
            return
        if event.get("access"):  # a status change that also changed the owner's record: ask again
            self.kept = None
        try:
            _viewer, access = await self._current_access()
            message: dict[str, Any] | None = None
            if event.get("internal") and not access.internal:
                pass
            elif "message" in event:
                message = event["message"]
            else:  # an event from a process that sends only the number (while a new version rolls out)
                message = await database_sync_to_async(self._stored)(access, int(event["seq"]))
        except Refused as refused:
            await self._refuse(refused.code)
            return
        if message is not None and event.get("lines") and self.language != settings.LANGUAGE_CODE:
            with translation.override(self.language):  # a system message, broadcast in Chinese
                message = {**message, "body": services.render_lines(event["lines"])}
        if message is not None:
            await self.send_json({"type": "message", "message": message})
        if "read" in event:  # the poster's receipt: for every reader, as conversation_read sends it
            await self.send_json({"type": "read", **event["read"]})

    def _stored(self, access: Access, seq: int) -> dict[str, Any] | None:
        stored = services.message_for(self.conversation, access, seq)
        with translation.override(self.language):
            return services.serialize(stored) if stored is not None else None

    async def conversation_read(self, event: dict[str, Any]) -> None:
        if self.refused:
            return
        try:
            await self._current_access()
        except Refused as refused:
            await self._refuse(refused.code)
            return
        await self.send_json(
            {"type": "read", "reader": event["reader"], "name": event["name"], "seq": event["seq"]}
        )

    async def conversation_access(self, event: dict[str, Any]) -> None:
        """The viewer's access may have changed (services.access_changed): ask again at the next event."""
        self.kept = None
