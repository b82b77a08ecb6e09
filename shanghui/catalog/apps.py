from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shanghui.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        # The search index is rebuilt when items, materials, synonyms or departments change.
        from shanghui.catalog import search, tasks

        search.connect_signals()
        # An import whose task failed for good is marked failed (its page would say 导入中 for ever).
        tasks.connect_signals()
