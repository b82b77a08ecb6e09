from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.lib.bounds import DayField, ModelsField
from shanghui.orgs.access import scope_for
from shanghui.orgs.forms import OrgChoiceField
from shanghui.orgs.models import Organisation, OrgKind
from shanghui.scorecards.access import MANAGER_ROLES
from shanghui.scorecards.models import Round, Rubric
from shanghui.ui.forms import BootstrapForm, FilterForm


def latest_rubrics() -> QuerySet[Rubric]:
    from django.db.models import Max, OuterRef, Subquery

    newest = (
        Rubric.objects.filter(code=OuterRef("code")).values("code").annotate(v=Max("version")).values("v")
    )
    return Rubric.objects.filter(version=Subquery(newest)).order_by("code")


class RoundFilterForm(FilterForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    rubric = forms.ChoiceField(label=_("评价细则"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *Round.Status.choices]
    )

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["rubric"].choices = [("", _("全部细则")), *latest_rubrics().values_list("code", "name")]  # type: ignore[attr-defined]

    def apply(self, rows: QuerySet[Round]) -> QuerySet[Round]:
        self.is_valid()
        data = self.cleaned_data
        if q := (data.get("q") or "").strip():
            rows = rows.filter(name__icontains=q)
        if data.get("rubric"):
            rows = rows.filter(rubric__code=data["rubric"])
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        return rows


class RoundForm(BootstrapForm):
    rubric = forms.ModelChoiceField(label=_("评价细则"), queryset=Rubric.objects.none())
    name = forms.CharField(label=_("评价名称"), max_length=100, initial=_("2026年度"))
    organiser = OrgChoiceField(label=_("组织单位"), queryset=Organisation.objects.none())
    period_start = DayField(label=_("评价期开始"))
    period_end = DayField(label=_("评价期结束"))
    organisations = ModelsField(
        label=_("参加评价的商会"), queryset=Organisation.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["rubric"].queryset = latest_rubrics()  # type: ignore[attr-defined]
        self.fields["organiser"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            scope.subtree_q(roles=MANAGER_ROLES), kind=OrgKind.FEDERATION
        ).order_by("path")
        self.fields["organisations"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            scope.subtree_q(roles=MANAGER_ROLES), kind=OrgKind.CHAMBER, is_active=True
        ).order_by("path")
        self.style_widgets()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organiser = data.get("organiser")
        if organiser and data.get("organisations"):
            outside = [o.name for o in data["organisations"] if not o.path.startswith(organiser.path)]
            if outside:
                self.add_error("organisations", "不在组织单位管辖范围内：" + "、".join(outside[:5]))
        return data


class RubricPointsForm(BootstrapForm):
    """The points (and, for an editable template, the names) of a rubric's indicators: saving makes a new
    version."""

    def __init__(self, *args: Any, rubric: Rubric, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = list(
            rubric.indicators.select_related("dimension").order_by("dimension__order", "order")
        )
        for ind in self.indicators:
            if rubric.is_template:
                self.fields[f"name_{ind.pk}"] = forms.CharField(
                    label=f"{ind.dimension.name} · 名称", max_length=200, initial=ind.name
                )
            self.fields[f"points_{ind.pk}"] = forms.DecimalField(
                label=gettext("%(indicator)s · 满分") % {"indicator": ind.name},
                min_value=0,
                max_value=1000,
                max_digits=6,
                decimal_places=1,
                initial=ind.max_points,
            )
        self.style_widgets()
