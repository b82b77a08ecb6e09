from django.urls import path

from shanghui.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.read_all, name="read_all"),
    path("<int:notification_id>/read/", views.read_one, name="read"),
    path("<int:notification_id>/open/", views.open_one, name="open"),
]
