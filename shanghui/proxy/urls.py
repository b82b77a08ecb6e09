from django.urls import path

from shanghui.proxy import views

app_name = "proxy"
urlpatterns = [
    path("<int:case_id>/", views.case_detail, name="detail"),
]
