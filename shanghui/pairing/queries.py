"""Figures of pairing: per pair and by province and county. Donations (through the ledger, the gifts of
the projects' funds) and investment (commercial) are separate columns everywhere and never added."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext

from shanghui.donations.queries import totals_by_fund
from shanghui.pairing.models import Outcome, Pair, Project


@dataclass
class PairFigures:
    donated_fen: int = 0
    invested_fen: int = 0
    projects: int = 0
    income_fen: int = 0
    jobs: int = 0
    trained: int = 0


def figures_by_pair(pair_ids: Iterable[int]) -> dict[int, PairFigures]:
    ids = list(pair_ids)
    out = {pk: PairFigures() for pk in ids}
    funds: dict[int, set[int]] = defaultdict(set)
    for pair_id, fund_id, invested in Project.objects.filter(pair_id__in=ids).values_list(
        "pair_id", "fund_id", "invested_fen"
    ):
        out[pair_id].invested_fen += invested
        out[pair_id].projects += 1
        if fund_id:
            funds[pair_id].add(fund_id)
    totals = totals_by_fund({f for fs in funds.values() for f in fs})
    for pair_id, fund_ids in funds.items():
        # Each fund once per pair, however many of its projects share it.
        out[pair_id].donated_fen = sum(totals[f].given_fen for f in fund_ids)
    for row in (
        Outcome.objects.filter(pair_id__in=ids)
        .values("pair_id")
        .annotate(i=Sum("collective_income_fen"), j=Sum("jobs"), t=Sum("trained"))
        .order_by()
    ):
        f = out[row["pair_id"]]
        f.income_fen, f.jobs, f.trained = int(row["i"] or 0), int(row["j"] or 0), int(row["t"] or 0)
    return out


@dataclass
class PlaceRow:
    province: str
    county: str
    pairs: int = 0
    villages: int = 0
    partners: int = 0
    figures: PairFigures | None = None


def by_place(pairs: QuerySet[Pair]) -> tuple[list[PlaceRow], PlaceRow]:
    rows = list(
        pairs.values_list(
            "pk",
            "partner_id",
            "village_id",
            "village__village_profile__province",
            "village__village_profile__county",
        )
    )
    figures = figures_by_pair(r[0] for r in rows)
    places: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(
        lambda: {"pairs": set(), "villages": set(), "partners": set()}
    )
    sums: dict[tuple[str, str], PairFigures] = defaultdict(PairFigures)
    for pk, partner, village, province, county in rows:
        key = (province or gettext("（未登记）"), county or gettext("（未登记）"))
        places[key]["pairs"].add(pk)
        places[key]["villages"].add(village)
        places[key]["partners"].add(partner)
        _add(sums[key], figures[pk])
    out = [
        PlaceRow(p, c, len(v["pairs"]), len(v["villages"]), len(v["partners"]), sums[(p, c)])
        for (p, c), v in sorted(places.items())
    ]
    total = PlaceRow(
        gettext("合计"), "", len(rows), len({r[2] for r in rows}), len({r[1] for r in rows}), PairFigures()
    )
    for f in figures.values():
        _add(total.figures, f)  # type: ignore[arg-type]
    return out, total


def _add(into: PairFigures, f: PairFigures) -> None:
    into.donated_fen += f.donated_fen
    into.invested_fen += f.invested_fen
    into.projects += f.projects
    into.income_fen += f.income_fen
    into.jobs += f.jobs
    into.trained += f.trained
