"""WebSocket routes. Each domain that owns a consumer adds its route here."""

from django.urls import URLPattern, path

from shanghui.conversations.consumers import ConversationConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/conversations/<str:owner_type>/<int:owner_id>/", ConversationConsumer.as_asgi()),
]
