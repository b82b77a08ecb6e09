"""The parties' pages on the phone, under /my/disputes/ (see citizen_views.py); the one-time-code
login is the citizen's (/my/login/)."""

from django.urls import URLPattern, URLResolver, path

from shanghui.mediation import citizen_views as views

app_name = "mediation_citizen"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dispute_list, name="list"),
    path("new/", views.dispute_new, name="new"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/act/<str:action>/", views.act, name="act"),
    path("<int:dispute_id>/files/", views.upload, name="upload"),
    path("<int:dispute_id>/files/<int:file_id>/", views.dispute_file, name="file"),
    path("<int:dispute_id>/recuse/<int:assignment_id>/", views.recuse, name="recuse"),
    path("<int:dispute_id>/agreement.pdf", views.agreement_pdf, name="agreement"),
    path("<int:dispute_id>/confirmation.pdf", views.confirmation_pdf, name="confirmation"),
]
