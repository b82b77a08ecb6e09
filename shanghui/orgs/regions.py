"""Names of administrative regions: the federation that holds a region code names it (柯城区工商联 holds
330802, so 330802 is 柯城区). Codes nobody holds are shown as they are."""

from __future__ import annotations

from collections.abc import Iterable

from shanghui.orgs.models import PATH_STEP, Organisation, OrgKind


def region_names(codes: Iterable[str]) -> dict[str, str]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = Organisation.objects.filter(kind=OrgKind.FEDERATION, region_code__in=wanted).values_list(
        "region_code", "name"
    )
    return {code: name.removesuffix("工商联") for code, name in rows}


def county_codes(owner: Organisation) -> dict[str, str]:
    """What people write for a county of `owner`'s city (the federations below the city's) → its region code: the name its federation
    holds (柯城区工商联 → 柯城区, and 柯城区工商联 itself) and the name without 区/县/市 (柯城) when that
    leaves at least two characters; a short form two counties share is left out (ambiguous)."""
    root = owner.path[:PATH_STEP]
    rows = (
        Organisation.objects.filter(
            kind=OrgKind.FEDERATION, path__startswith=root, depth__gt=0, is_active=True
        )
        .exclude(region_code="")
        .values_list("region_code", "name")
    )
    found: dict[str, set[str]] = {}
    for code, name in rows:
        county = name.removesuffix("工商联")
        words = {name, county}
        if len(county) > 2 and county[-1] in "区县市":
            words.add(county[:-1])
        for word in words:
            found.setdefault(word, set()).add(code)
    return {word: codes.pop() for word, codes in found.items() if len(codes) == 1}
