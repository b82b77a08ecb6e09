"""Routes of the catalogue under /catalog/. The staff pages live under manage/; the citizen pages
(search, service guide) are added beside them."""

from django.urls import URLPattern, URLResolver, path

from shanghui.catalog import views

app_name = "catalog"
urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/", views.item_list, name="item_list"),
    path("manage/export/", views.item_export, name="item_export"),
    path("manage/items/new/", views.item_create, name="item_create"),
    path("manage/items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("manage/items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("manage/items/<int:item_id>/versions/<int:number>/", views.item_version, name="item_version"),
    path("manage/synonyms/", views.synonym_list, name="synonym_list"),
    path("manage/synonyms/new/", views.synonym_create, name="synonym_create"),
    path("manage/synonyms/<int:synonym_id>/edit/", views.synonym_edit, name="synonym_edit"),
    path("manage/synonyms/<int:synonym_id>/delete/", views.synonym_delete, name="synonym_delete"),
    path("manage/import/", views.import_start, name="import_start"),
    path("manage/import/template.xlsx", views.import_template, name="import_template"),
    path("manage/import/<int:job_id>/", views.import_job, name="import_job"),
    path("manage/import/<int:job_id>/report.xlsx", views.import_report, name="import_report"),
    path("manage/points/", views.point_list, name="point_list"),
    path("manage/points/<int:point_id>/", views.point_settings, name="point_settings"),
]
