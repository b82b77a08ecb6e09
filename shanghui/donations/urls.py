from django.urls import URLPattern, URLResolver, path

from shanghui.donations import views

app_name = "donations"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.fund_list, name="funds"),
    path("new/", views.fund_create, name="fund_create"),
    path("stats/", views.stats, name="stats"),
    path("<int:fund_id>/", views.fund_detail, name="fund"),
    path("<int:fund_id>/act/<str:action>/", views.fund_act, name="fund_act"),
    path("<int:fund_id>/gifts/new/", views.gift_create, name="gift_create"),
    path("<int:fund_id>/pledges/new/", views.pledge_create, name="pledge_create"),
    path("<int:fund_id>/disbursements/new/", views.disbursement_create, name="disbursement_create"),
    path("<int:fund_id>/statements/new/", views.statement_create, name="statement_create"),
    path("gifts/", views.gift_list, name="gifts"),
    path("gifts/<int:gift_id>/", views.gift_detail, name="gift"),
    path("gifts/<int:gift_id>/acknowledgement.pdf", views.gift_acknowledgement, name="acknowledgement"),
    path("pledges/<int:pledge_id>/", views.pledge_detail, name="pledge"),
    path("disbursements/", views.disbursement_list, name="disbursements"),
    path("disbursements/<int:disbursement_id>/", views.disbursement_detail, name="disbursement"),
    path(
        "disbursements/<int:disbursement_id>/act/<str:action>/",
        views.disbursement_act,
        name="disbursement_act",
    ),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
]
