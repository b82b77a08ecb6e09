from django.urls import path

from shanghui.proxy.views import actions, detail, followups, intake, lists, materials, stats

app_name = "proxy"
urlpatterns = [
    path("", lists.case_list, name="list"),
    path("new/", intake.case_create, name="create"),
    path("new/applicant/", intake.applicant_lookup, name="applicant_lookup"),
    path("stats/", stats.case_stats, name="stats"),
    path("followups/", followups.followup_list, name="followups"),
    path("followups/<int:follow_up_id>/<str:move>/", followups.followup_move, name="followup_move"),
    path("<int:case_id>/", detail.case_detail, name="detail"),
    path("<int:case_id>/act/<str:action>/", actions.case_act, name="act"),
    path("<int:case_id>/reveal/", detail.case_reveal, name="reveal"),
    path("<int:case_id>/materials/", materials.material_upload, name="upload"),
    path("<int:case_id>/materials/<int:material_id>/review/", materials.material_review, name="review"),
    path("<int:case_id>/files/<int:material_id>/", detail.case_file, name="file"),
]
