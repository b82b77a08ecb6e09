"""The public side: a disclosure page (公示) per public campaign, and the donor's own page on a phone.

Disclosure names a donor only with their consent (otherwise 爱心企业 / 爱心人士), shows households
masked, and says where the money went. A donor proves their mobile with an SMS code (the citizen login,
accounts/citizen.py) and then sees each of their gifts and what its fund paid out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache

from shanghui.accounts.citizen import verified_mobile
from shanghui.donations import queries
from shanghui.donations.models import Disbursement, Donor, Fund, Gift
from shanghui.lib.crypto import keyed_hash
from shanghui.lib.masking import mask_mobile


def disclosure(request: HttpRequest, fund_id: int) -> HttpResponse:
    fund = queries.public_funds().filter(pk=fund_id).select_related("organiser").first()
    if fund is None:
        raise Http404(gettext("没有这个公开募捐活动"))
    totals = queries.totals_by_fund([fund.pk])[fund.pk]
    context: dict[str, Any] = {
        "fund": fund,
        "totals": totals,
        "gifts": queries.gift_rows_for_disclosure(fund),
        "disbursements": fund.disbursements.filter(status__in=queries.OUT)
        .select_related("village")
        .order_by("-approved_at")[:500],
    }
    return render(request, "donations/public/disclosure.html", context)


def disclosure_index(request: HttpRequest) -> HttpResponse:
    funds = queries.public_funds().select_related("organiser").order_by("-starts_on")[:100]
    totals = queries.totals_by_fund(f.pk for f in funds)
    return render(request, "donations/public/index.html", {"rows": [(f, totals[f.pk]) for f in funds]})


@never_cache
def my_gifts(request: HttpRequest) -> HttpResponse:
    mobile = verified_mobile(request)
    if not mobile:
        return HttpResponseRedirect(f"{reverse('citizen:login')}?{urlencode({'next': request.path})}")
    donors = Donor.objects.filter(mobile_hash=keyed_hash(mobile))
    gifts = list(
        Gift.objects.filter(donor__in=donors)
        .select_related("fund", "fund__organiser")
        .order_by("-received_on", "-pk")[:100]
    )
    fund_ids = {g.fund_id for g in gifts}
    paid: dict[int, list[Disbursement]] = {pk: [] for pk in fund_ids}
    for d in (
        Disbursement.objects.filter(fund_id__in=fund_ids, status__in=queries.OUT)
        .select_related("village")
        .order_by("-approved_at")
    ):
        if len(paid[d.fund_id]) < 20:
            paid[d.fund_id].append(d)
    totals = queries.totals_by_fund(fund_ids)
    rows = [(g, paid[g.fund_id], totals[g.fund_id]) for g in gifts]
    return render(
        request, "donations/public/my_gifts.html", {"rows": rows, "mobile": mask_mobile(mobile), "Fund": Fund}
    )
