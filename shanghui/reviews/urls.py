from django.urls import URLPattern, URLResolver, path

from shanghui.reviews import views

app_name = "reviews"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox_page, name="inbox"),
    path("delegate/", views.delegate, name="delegate"),
    path("<int:chain_id>/", views.chain_page, name="chain"),
    path("<int:chain_id>/decide/", views.decide, name="decide"),
    path("<int:chain_id>/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
