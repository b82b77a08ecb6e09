from django.urls import URLPattern, URLResolver, path

from shanghui.publicity import views

app_name = "publicity"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:notice_id>/", views.manage, name="manage"),
    path("<int:notice_id>/objections/<int:objection_id>/answer/", views.answer, name="answer"),
    path("<int:notice_id>/act/<str:action>/", views.act, name="act"),
]
