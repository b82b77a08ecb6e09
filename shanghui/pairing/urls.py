from django.urls import URLPattern, URLResolver, path

from shanghui.pairing import views

app_name = "pairing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.pair_list, name="list"),
    path("new/", views.pair_create, name="create"),
    path("stats/", views.stats, name="stats"),
    path("<int:pair_id>/", views.pair_detail, name="detail"),
    path("<int:pair_id>/agreement/", views.agreement, name="agreement"),
]
