"""WebSocket routes. Each domain that owns a consumer adds its route here, above the catch-all."""

from django.urls import URLPattern, path, re_path

from shanghui.conversations.consumers import ConversationConsumer
from shanghui.home.consumers import UnknownPathConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/conversations/<str:owner_type>/<int:owner_id>/", ConversationConsumer.as_asgi()),
    # Last: any other path is closed with 4404 (no route would fail the handshake with a 500).
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
