from django.urls import URLPattern, URLResolver, path

from shanghui.party import views

app_name = "party"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("orgs/", views.org_list, name="orgs"),
    path("orgs/new/", views.org_edit, name="org_new"),
    path("orgs/<int:org_id>/", views.org_edit, name="org_edit"),
    path("register/", views.register_list, name="register"),
    path("chambers/<int:chamber_id>/", views.chamber_profile, name="chamber"),
    path("elections/", views.election_list, name="elections"),
    path("elections/new/", views.election_edit, name="election_new"),
    path("elections/<int:election_id>/", views.election_detail, name="election"),
    path("elections/<int:election_id>/edit/", views.election_edit, name="election_edit"),
    path("elections/<int:election_id>/publish/", views.election_publish, name="election_publish"),
    path("candidates/", views.candidate_list, name="candidates"),
    path("candidates/<int:candidate_id>/", views.candidate_detail, name="candidate"),
    path("candidates/<int:candidate_id>/edit/", views.candidate_edit, name="candidate_edit"),
    path("candidates/<int:candidate_id>/act/<str:action>/", views.candidate_act, name="candidate_act"),
    path("candidates/<int:candidate_id>/documents/", views.document_upload, name="document_upload"),
    path("candidates/<int:candidate_id>/documents/<int:document_id>/", views.document_file, name="document"),
    path("self-check/<int:candidate_id>/", views.self_check, name="self_check"),
    path("deeds/", views.deed_list, name="deeds"),
    path("five-step/", views.five_step, name="five_step"),
]
