"""WebSocket routes. Each domain that owns a consumer adds its route here."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
