from django.urls import path

from shanghui.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.read_all, name="read_all"),
    path("<int:notification_id>/read/", views.read_one, name="read"),
    path("<int:notification_id>/open/", views.open_one, name="open"),
    path("settings/", views.preferences, name="preferences"),
    path("channels/", views.channel_list, name="channel_list"),
    path("channels/new/", views.channel_create, name="channel_create"),
    path("channels/<int:config_id>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:config_id>/toggle/", views.channel_toggle, name="channel_toggle"),
    path("channels/<int:config_id>/test/", views.channel_test, name="channel_test"),
    path("failed/", views.failed_list, name="failed_list"),
    path("failed/<int:message_id>/resend/", views.failed_resend, name="failed_resend"),
]
