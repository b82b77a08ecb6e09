"""The WebSocket route of last resort (shanghui/routing.py): a socket to a path no consumer serves is
accepted and closed at once with code 4404, so the client learns why, instead of the handshake failing
with a server error (Channels' router raises when no route matches)."""

from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

CLOSE_UNKNOWN_PATH = 4404


class UnknownPathConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_UNKNOWN_PATH)
