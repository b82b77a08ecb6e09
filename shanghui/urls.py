from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from shanghui.api import api, api_v1
from shanghui.proxy import receipt as proxy_receipt

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("shanghui.home.urls")),
    path("accounts/", include("shanghui.accounts.urls")),
    path("orgs/", include("shanghui.orgs.urls")),
    path("audit/", include("shanghui.audit.urls")),
    path("catalog/", include("shanghui.catalog.urls")),
    path("s/", include("shanghui.catalog.public_urls")),
    path("cases/<int:case_id>/receipt.pdf", proxy_receipt.staff_receipt, name="case_receipt"),
    path("cases/", include("shanghui.proxy.urls")),
    path("notifications/", include("shanghui.notify.urls")),
    path("conversations/", include("shanghui.conversations.urls")),
    path("mediation/", include("shanghui.mediation.urls")),
    path("my/disputes/", include("shanghui.mediation.citizen_urls")),
    path("my/", include("shanghui.proxy.citizen_urls")),
    path("party/", include("shanghui.party.urls")),
    path("reviews/", include("shanghui.reviews.urls")),
    path("publicity/", include("shanghui.publicity.urls")),
    path("gs/", include("shanghui.publicity.public_urls")),
    path("scorecards/", include("shanghui.scorecards.urls")),
    path("donations/", include("shanghui.donations.urls")),
    path("give/", include("shanghui.donations.public_urls")),
    path("pairing/", include("shanghui.pairing.urls")),
    path("activities/", include("shanghui.activities.urls")),
    path("v/", include("shanghui.activities.volunteer_urls")),
    path("api/v1/", api_v1.urls),
    path("api/", api.urls),
    path("open311/v2/", include("shanghui.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
