from django.urls import path

from shanghui.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="list"),
    path("members/", views.member_list, name="member_list"),
]
