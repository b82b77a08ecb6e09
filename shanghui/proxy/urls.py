from django.urls import path

from shanghui.proxy import views

app_name = "proxy"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("stats/", views.case_stats, name="stats"),
    path("followups/", views.followup_list, name="followups"),
    path("followups/<int:follow_up_id>/<str:move>/", views.followup_move, name="followup_move"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/<str:action>/", views.case_act, name="act"),
    path("<int:case_id>/reveal/", views.case_reveal, name="reveal"),
    path("<int:case_id>/materials/", views.material_upload, name="upload"),
    path("<int:case_id>/materials/<int:material_id>/review/", views.material_review, name="review"),
    path("<int:case_id>/files/<int:material_id>/", views.case_file, name="file"),
]
