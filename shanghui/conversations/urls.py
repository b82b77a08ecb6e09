"""The conversation's HTTP endpoints, under /conversations/ (the WebSocket route is in shanghui/routing.py)."""

from django.urls import URLPattern, path

from shanghui.conversations import views

app_name = "conversations"
urlpatterns: list[URLPattern] = [
    path("<str:owner_type>/<int:owner_id>/messages/", views.messages, name="messages"),
    path("<str:owner_type>/<int:owner_id>/files/", views.upload, name="upload"),
    path("<str:owner_type>/<int:owner_id>/files/<int:seq>/", views.download, name="file"),
    path("<str:owner_type>/<int:owner_id>/join/", views.join, name="join"),
    path("<str:owner_type>/<int:owner_id>/read/", views.read, name="read"),
]
