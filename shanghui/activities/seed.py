"""The data the engine starts with: the kinds of activity and the volunteer star levels (both editable
in the Django admin afterwards). Called by the initial migration and by the demo (idempotent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# (code, name, counts volunteer hours)
KINDS = (
    ("volunteer", "志愿服务", True),
    ("study", "学习会", False),
    ("party_day", "主题党日", False),
    ("lecture", "宣讲", False),
    ("training", "培训/磨课", False),
    ("promotion", "推介活动", False),
    ("visit", "考察", False),
)
STARS = (("一星", "100"), ("二星", "300"), ("三星", "600"), ("四星", "1000"), ("五星", "1500"))


def seed(kind_model: Any, star_model: Any) -> None:
    for order, (code, name, counts) in enumerate(KINDS):
        kind_model.objects.get_or_create(
            code=code, defaults={"name": name, "counts_hours": counts, "order": order}
        )
    for name, hours in STARS:
        star_model.objects.get_or_create(name=name, defaults={"min_hours": Decimal(hours)})
