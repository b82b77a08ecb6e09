"""Names of administrative regions: the federation that holds a region code names it (柯城区工商联 holds
330802, so 330802 is 柯城区). Codes nobody holds are shown as they are."""

from __future__ import annotations

from collections.abc import Iterable

from shanghui.orgs.models import Organisation, OrgKind


def region_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = Organisation.objects.filter(kind=OrgKind.FEDERATION, region_code__in=wanted).values_list(
        "region_code", "name"
    )
    return {code: name.removesuffix("工商联") for code, name in rows}
