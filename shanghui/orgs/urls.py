from django.urls import path

from shanghui.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.org_list, name="list"),
    path("new/", views.org_create, name="create"),
    path("<int:org_id>/", views.org_detail, name="detail"),
    path("<int:org_id>/edit/", views.org_edit, name="edit"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/role-options/", views.role_options, name="role_options"),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/<int:member_id>/roles/", views.member_grant, name="member_grant"),
    path(
        "members/<int:member_id>/roles/<int:membership_id>/revoke/",
        views.member_revoke,
        name="member_revoke",
    ),
]
