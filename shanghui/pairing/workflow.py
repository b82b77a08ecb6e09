"""A pair's states on the workflow kernel: 帮扶中 until the partner or the federation ends it (with its
end date); an ended pair keeps its projects and outcomes for the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext, gettext_noop

from shanghui.pairing.models import Pair, PairEvent
from shanghui.workflow.machine import Machine, TransitionError, action, table

WRITER = "writer"  # staff or admin over the enterprise or chamber (pairing/access.py)
READER = "reader"  # who sees the pair but may not change it


def _end(pair: Pair, params: dict[str, Any], now: dt.datetime) -> list[str]:
    ends_on = params["ends_on"]
    if not isinstance(ends_on, dt.date) or ends_on < pair.starts_on:
        raise TransitionError({"ends_on": gettext("结束日期不能早于开始日期")})
    pair.ends_on = ends_on
    return ["ends_on"]


PAIR_MACHINE: Machine[Pair] = Machine(
    model=Pair, events=PairEvent, event_fk="pair", noun=gettext_noop("结对"), actor_labels={WRITER: gettext_noop("经办人"), READER: gettext_noop("只读用户")},
    table=table(action("end", gettext_noop("结束结对"), {Pair.Status.ACTIVE}, Pair.Status.ENDED, {WRITER}, required=("ends_on",))),
    effects={"end": _end},
    other_events={"create": gettext_noop("登记结对"), "project": gettext_noop("新增帮扶项目"), "outcome": gettext_noop("登记年度成效")},
)  # fmt: skip
