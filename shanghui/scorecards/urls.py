from django.urls import URLPattern, URLResolver, path

from shanghui.scorecards import views

app_name = "scorecards"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/publish/", views.round_publish, name="round_publish"),
    path("cards/<int:card_id>/", views.card_detail, name="card"),
    path("cards/<int:card_id>/save/<str:part>/", views.card_save, name="card_save"),
    path("cards/<int:card_id>/act/<str:action>/", views.card_act, name="card_act"),
    path("cards/<int:card_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("cards/<int:card_id>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path("orgs/<int:org_id>/", views.history, name="history"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/<int:rubric_id>/edit/", views.rubric_edit, name="rubric_edit"),
]
