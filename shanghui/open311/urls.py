from django.urls import re_path

from shanghui.open311 import views

app_name = "open311"
# Every resource is "<name>.<format>"; the format is checked by the view so that an unknown one gets the
# spec's error document, and anything else under /open311/v2/ gets it too (never an HTML page).
FORMAT = r"\.(?P<fmt>[^/.]+)$"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,80})" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]{1,40})" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,40})" + FORMAT, views.token_detail, name="token"),
    # [\s\S], not ".": a path with a newline (%0A) is still ours.
    re_path(r"^(?P<rest>[\s\S]*)$", views.not_found),
]
