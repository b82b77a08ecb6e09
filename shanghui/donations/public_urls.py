from django.urls import URLPattern, URLResolver, path

from shanghui.donations import public

app_name = "give"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", public.disclosure_index, name="index"),
    path("mine/", public.my_gifts, name="mine"),
    path("<int:fund_id>/", public.disclosure, name="disclosure"),
]
