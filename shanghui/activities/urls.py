"""Staff pages under /activities/ (views.py)."""

from django.urls import URLPattern, URLResolver, path

from shanghui.activities import views

app_name = "activities"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_new, name="new"),
    path("series/new/", views.series_new, name="series_new"),
    path("<int:activity_id>/", views.activity_detail, name="detail"),
    path("<int:activity_id>/edit/", views.activity_edit, name="edit"),
    path("<int:activity_id>/act/<str:action>/", views.activity_act, name="act"),
    path("<int:activity_id>/slots/", views.slot_add, name="slot_add"),
    path("<int:activity_id>/slots/<int:slot_id>/quantity/", views.slot_quantity, name="slot_quantity"),
    path("<int:activity_id>/people/", views.person_add, name="person_add"),
    path("<int:activity_id>/qr/<str:direction>/", views.qr_page, name="qr"),
    path("<int:activity_id>/attendance/import/", views.attendance_import, name="attendance_import"),
    path("signups/<int:signup_id>/<str:op>/", views.signup_op, name="signup_op"),
    path("hours/", views.hour_list, name="hours"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/<int:volunteer_id>/", views.volunteer_detail, name="volunteer"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:certificate_id>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:certificate_id>/void/", views.certificate_void, name="certificate_void"),
    path("venues/", views.venue_list, name="venues"),
    path("teams/", views.team_list, name="teams"),
    path("teams/members/<int:member_id>/<str:decision>/", views.team_member_decide, name="team_member"),
    path("stats/", views.stats, name="stats"),
]
