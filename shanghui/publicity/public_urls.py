from django.urls import URLPattern, URLResolver, path

from shanghui.publicity import views

app_name = "publicity_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:notice_id>/", views.public_page, name="notice"),
]
