"""The staff pages of dispute mediation, under /mediation/ (see views.py)."""

from django.urls import URLPattern, URLResolver, path

from shanghui.mediation import views

app_name = "mediation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("stats/", views.stats, name="stats"),
    path("committees/<int:committee_id>/", views.committee, name="committee"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/act/<str:action>/", views.act, name="act"),
    path("<int:dispute_id>/mediators/", views.assign, name="assign"),
    path("<int:dispute_id>/declare/", views.declare, name="declare"),
    path("<int:dispute_id>/recuse/<int:assignment_id>/", views.recuse, name="recuse"),
    path("<int:dispute_id>/sessions/", views.schedule, name="schedule"),
    path("<int:dispute_id>/sessions/<int:session_id>/minutes/", views.minutes, name="minutes"),
    path("<int:dispute_id>/files/", views.upload, name="upload"),
    path("<int:dispute_id>/files/<int:file_id>/", views.dispute_file, name="file"),
    path("<int:dispute_id>/signed/", views.signed_scan, name="signed"),
    path("<int:dispute_id>/agreement.pdf", views.agreement_pdf, name="agreement"),
    path("<int:dispute_id>/confirmation.pdf", views.confirmation_pdf, name="confirmation"),
]
