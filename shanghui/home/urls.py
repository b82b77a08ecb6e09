from django.urls import path

from shanghui.home import views

app_name = "home"
urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", views.healthz, name="healthz"),
]
