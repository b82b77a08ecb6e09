"""The volunteers' pages under /v/ (volunteer_views.py); the certificate check /v/verify/<token>/ is public."""

from django.urls import URLPattern, URLResolver, path

from shanghui.activities import volunteer_views as views

app_name = "volunteer"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.finder, name="finder"),
    path("a/<int:activity_id>/", views.activity_page, name="activity"),
    path("a/<int:activity_id>/slots/<int:slot_id>/signup/", views.sign_up, name="sign_up"),
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile, name="profile"),
    path("me/signups/<int:signup_id>/cancel/", views.cancel, name="cancel"),
    path("me/hours/", views.my_hours, name="hours"),
    path("me/hours/<int:record_id>/correct/", views.correct, name="correct"),
    path("me/certificates/", views.my_certificates, name="certificates"),
    path("me/certificates/<int:certificate_id>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/join/", views.join_team, name="join_team"),
    path("scan/<str:token>/", views.scan, name="scan"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
