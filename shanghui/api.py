"""The JSON API (django-ninja). Each domain contributes a router from its own api.py."""

from ninja import NinjaAPI

from shanghui.catalog.api import router as catalog_router

api = NinjaAPI(title="商会+ API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/catalog/", catalog_router)
