"""The citizen's pages, under /my/ (see citizen_views.py). The public tracking page is /my/track/."""

from django.urls import URLPattern, URLResolver, path

from shanghui.proxy import citizen_views as views

app_name = "citizen"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="cases"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("apply/", views.apply, name="apply"),
    path("track/", views.track, name="track"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/materials/<int:slot>/", views.upload, name="upload"),
    path("cases/<int:case_id>/materials/extra/", views.upload, name="upload_extra"),
    path("cases/<int:case_id>/files/<int:material_id>/", views.material_file, name="file"),
    path("cases/<int:case_id>/act/<str:action>/", views.act, name="act"),
    path("cases/<int:case_id>/rate/", views.rate, name="rate"),
    path("cases/<int:case_id>/receipt.pdf", views.case_receipt, name="receipt"),
]
