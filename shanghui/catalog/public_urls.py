from django.urls import URLPattern, URLResolver, path

from shanghui.catalog import public_views

app_name = "catalog_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", public_views.search_page, name="search"),
    path("suggest/", public_views.suggest, name="suggest"),
    path("items/<int:item_id>/", public_views.item_page, name="item"),
]
