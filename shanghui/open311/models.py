"""Open311 GeoReport v2 over the catalogue and proxy cases (see docs/open311.md).

The only table of its own: the `token` a POST returns beside the case number, which
`tokens/{token}` resolves. Case numbers are assigned in the same transaction as the POST, so the token
always resolves at once; it is kept as a stable handle for clients built around the spec's batch mode
and is the same for a retried POST with the same idempotency key.
"""

from __future__ import annotations

from django.db import models


class RequestToken(models.Model):
    token = models.CharField("令牌", max_length=32, unique=True)
    case = models.OneToOneField("proxy.Case", on_delete=models.CASCADE, related_name="open311_token")
    # The API token whose holder posted the request (kept when the API token is deleted: the case stays).
    api_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311 令牌"
        verbose_name_plural = "Open311 令牌"

    def __str__(self) -> str:
        return self.token
