"""Scorecard pages under /scorecards/: rounds (list, new, ranking with export, publish), a card (self-
assessment beside the review, proposals from the platform's data), the rubrics and their versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user as _user
from shanghui.audit.actions import AuditAction
from shanghui.publicity.models import Notice
from shanghui.scorecards import services
from shanghui.scorecards.access import (
    ORG,
    REVIEWER,
    actor_kinds,
    can_create_round,
    can_use,
    get_card_for_user,
    get_round_for_user,
    manages,
    rounds_for_user,
)
from shanghui.scorecards.forms import RoundFilterForm, RoundForm, RubricPointsForm, latest_rubrics
from shanghui.scorecards.models import Card, Rubric
from shanghui.scorecards.workflow import MACHINE
from shanghui.ui.forms import attach_errors
from shanghui.ui.listing import Export, Listing
from shanghui.workflow.machine import Conflict, TransitionError

RANKING_EXPORT = Export(
    name="评价结果", headers=("排名", "单位", "状态", "自评分", "评审分", "等次", "一票否决"),
    action=AuditAction.SCORECARD_EXPORT, object_type="scorecards.round",
)  # fmt: skip
ROUND_EXPORT = Export(
    name="评价轮次", headers=("评价名称", "评价细则", "版本", "组织单位", "评价期", "状态", "参评单位数"),
    action=AuditAction.SCORECARD_EXPORT, object_type="scorecards.round",
)  # fmt: skip


def _require(user: Any) -> None:
    # Rounds are for the roles that evaluate or are evaluated (and auditors); a department has none.
    if not can_use(user):
        raise PermissionDenied(gettext("您的角色不能使用评价模块"))


@login_required
def round_list(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    _require(user)
    listing = Listing(request, RoundFilterForm(request.GET))
    rows = (
        listing.form.apply(rounds_for_user(user))
        .select_related("rubric", "organiser")
        .order_by("-period_end", "-pk")
    )
    if listing.exporting:
        return listing.export(ROUND_EXPORT, (
            [r.name, r.rubric.name, r.rubric.version, r.organiser.name, f"{r.period_start}至{r.period_end}",
             r.get_status_display(), r.cards.count()]  # fmt: skip
            for r in rows
        ))  # fmt: skip
    return render(
        request,
        "scorecards/round_list.html",
        listing.context(listing.page(rows), can_create=can_create_round(user)),
    )


@login_required
def round_new(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    if not can_create_round(user):
        raise PermissionDenied(gettext("您不能发起评价"))
    form = RoundForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if not manages(user, data["organiser"]):
                raise PermissionDenied(gettext("您不能以该单位名义发起评价"))
            try:
                rnd = services.open_round(actor=user, **data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, gettext("已发起评价，各单位可以开始自评"))
                return redirect("scorecards:round", rnd.pk)
        return render(request, "scorecards/round_form.html", {"form": form}, status=422)
    return render(request, "scorecards/round_form.html", {"form": form})


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponseBase:
    user = _user(request)
    rnd = get_round_for_user(user, round_id)
    manager = manages(user, rnd.organiser)
    cards = services.ranking(rnd)
    if not manager:
        from shanghui.scorecards.access import cards_for_user

        visible = set(cards_for_user(user).filter(round=rnd).values_list("pk", flat=True))
        cards = [c for c in cards if c.pk in visible]
    if request.GET.get("export") == "xlsx":
        from shanghui.ui.listing import export_xlsx

        return export_xlsx(request, RANKING_EXPORT, (
            [n, c.organisation.name, c.get_status_display(), c.self_total if c.self_total is not None else "",
             c.review_total if c.review_total is not None else "", c.level, gettext("是") if c.vetoed else ""]  # fmt: skip
            for n, c in enumerate(cards, start=1)
        ), detail={"round": rnd.pk})  # fmt: skip
    notice = Notice.objects.filter(pk=rnd.notice_id).first() if rnd.notice_id else None
    can_publish = (
        manager and rnd.status == rnd.Status.OPEN and any(c.status == Card.Status.SCORED for c in cards)
    )
    return render(request, "scorecards/round_detail.html", {
        "round": rnd, "cards": cards, "manager": manager, "notice": notice, "can_publish": can_publish,
    })  # fmt: skip


@login_required
@require_POST
def round_publish(request: HttpRequest, round_id: int) -> HttpResponseBase:
    user = _user(request)
    rnd = get_round_for_user(user, round_id, write=True)
    try:
        rnd = services.publish_round(rnd=rnd, actor=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("scorecards:round", rnd.pk)
    messages.success(request, gettext("评价结果已公示"))
    return redirect("publicity:manage", rnd.notice_id)


def _card_page(
    request: HttpRequest, card: Card, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    kinds = actor_kinds(user, card)
    scores = list(
        card.scores.select_related("indicator__dimension").order_by(
            "indicator__dimension__order", "indicator__order"
        )
    )
    files: dict[int, list[Any]] = {}
    for f in card.evidence_files.all():
        files.setdefault(f.indicator_id, []).append(f)
    for s in scores:
        s.files = files.get(s.indicator_id, [])  # type: ignore[attr-defined]
        s.self_points = s.indicator.points(s.self_value) if s.self_value is not None else None  # type: ignore[attr-defined]
        s.review_points = s.indicator.points(s.review_value) if s.review_value is not None else None  # type: ignore[attr-defined]
    actions = [t for t in MACHINE.allowed(card, kinds) if t.action in ("submit", "return_", "score")]
    events = [(e, MACHINE.event_label(e.action)) for e in card.events.select_related("actor")]
    return render(request, "scorecards/card.html", {
        "card": card, "scores": scores, "actions": actions, "events": events, "errors": errors or {},
        "self_editable": ORG in kinds and card.status in (Card.Status.DRAFT, Card.Status.RETURNED),
        "review_editable": REVIEWER in kinds and card.status == Card.Status.SUBMITTED,
        "show_review": REVIEWER in kinds or card.status in (Card.Status.SCORED, Card.Status.PUBLICITY, Card.Status.FINAL),
    }, status=status)  # fmt: skip


@login_required
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    return _card_page(request, get_card_for_user(_user(request), card_id))


@login_required
@require_POST
def card_save(request: HttpRequest, card_id: int, part: str) -> HttpResponseBase:
    """part "self": the organisation's values and evidence; "review": the reviewer's values and comments."""
    user = _user(request)
    card = get_card_for_user(user, card_id)
    ids = list(card.scores.values_list("indicator_id", flat=True))
    try:
        if part == "self":
            values = {
                i: (request.POST.get(f"self_{i}", ""), request.POST.get(f"evidence_{i}", "")) for i in ids
            }
            services.save_self_assessment(card=card, actor=user, values=values)
        elif part == "review":
            values = {
                i: (request.POST.get(f"review_{i}", ""), request.POST.get(f"comment_{i}", "")) for i in ids
            }
            services.save_review(card=card, actor=user, values=values)
        else:
            raise Http404(gettext("未知的操作"))
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _card_page(request, Card.objects.get(pk=card.pk), errors=errors, status=422)
    then = request.POST.get("then", "")
    if then in ("submit", "score"):
        try:
            services.act(card=Card.objects.get(pk=card.pk), actor=user, action=then)
        except Conflict as exc:
            return _card_page(
                request, Card.objects.get(pk=card.pk), errors={"__all__": [exc.message]}, status=409
            )
        messages.success(request, gettext("已提交自评") if then == "submit" else gettext("已完成评分"))
    else:
        messages.success(request, gettext("已保存"))
    return redirect("scorecards:card", card.pk)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, card_id: int) -> HttpResponseBase:
    user = _user(request)
    card = get_card_for_user(user, card_id)
    upload = request.FILES.get("file")
    try:
        indicator_id = int(request.POST.get("indicator", ""))
    except ValueError:
        indicator_id = 0
    if upload is None:
        return _card_page(request, card, errors={"file": [gettext("请选择文件")]}, status=422)
    try:
        services.add_evidence(card=card, actor=user, indicator_id=indicator_id, upload=upload)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _card_page(request, card, errors=errors, status=422)
    messages.success(request, gettext("已上传佐证材料"))
    return redirect("scorecards:card", card.pk)


@login_required
def evidence_file(request: HttpRequest, card_id: int, evidence_id: int) -> HttpResponseBase:
    from shanghui.audit.downloads import audited_file_response

    user = _user(request)
    card = get_card_for_user(user, card_id)
    row = card.evidence_files.filter(pk=evidence_id).first()
    if row is None:
        raise Http404(gettext("佐证材料不存在"))
    return audited_file_response(
        request, row.file, actor=user, action=AuditAction.SCORECARD_EVIDENCE_DOWNLOAD, obj=card,
        object_repr=str(card), detail={"evidence": row.pk}, content_type=row.content_type, filename=row.name,
        as_attachment=True,
    )  # fmt: skip


@login_required
@require_POST
def card_act(request: HttpRequest, card_id: int, action: str) -> HttpResponseBase:
    user = _user(request)
    card = get_card_for_user(user, card_id)
    try:
        services.act(card=card, actor=user, action=action, expected_status=request.POST.get("expected_status") or None,
                     reason=request.POST.get("reason", "").strip())  # fmt: skip
    except Conflict as exc:
        return _card_page(
            request, Card.objects.get(pk=card.pk), errors={"__all__": [exc.message]}, status=409
        )
    except (ValidationError, TransitionError) as exc:
        return _card_page(request, card, errors={"__all__": exc.messages}, status=422)
    return redirect("scorecards:card", card.pk)


@login_required
def history(request: HttpRequest, org_id: int) -> HttpResponseBase:
    """Every card of one organisation the user may see, newest round first."""
    from shanghui.scorecards.access import cards_for_user

    user = _user(request)
    cards = list(
        cards_for_user(user).filter(organisation_id=org_id).select_related("round__rubric", "organisation")
        .order_by("-round__period_end", "round__rubric__code")
    )  # fmt: skip
    if not cards:
        raise Http404(gettext("没有可以查看的评价"))
    return render(request, "scorecards/history.html", {"cards": cards, "organisation": cards[0].organisation})


@login_required
def rubric_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user)
    rubrics = Rubric.objects.prefetch_related("dimensions__indicators").order_by("code", "-version")
    return render(request, "scorecards/rubric_list.html", {"rubrics": latest_rubrics().prefetch_related("dimensions__indicators"),
                                                          "versions": rubrics, "can_edit": can_create_round(user)})  # fmt: skip


@login_required
def rubric_edit(request: HttpRequest, rubric_id: int) -> HttpResponseBase:
    user = _user(request)
    if not can_create_round(user):
        raise PermissionDenied(gettext("您不能修改评价细则"))
    rubric = Rubric.objects.filter(pk=rubric_id).first()
    if rubric is None:
        raise Http404(gettext("评价细则不存在"))
    form = RubricPointsForm(request.POST or None, rubric=rubric)
    if request.method == "POST":
        if form.is_valid():
            data = services.rubric_as_data(rubric)
            by_name = {(d["name"], i["name"]): i for d in data for i in d["indicators"]}
            for ind in form.indicators:
                row = by_name[(ind.dimension.name, ind.name)]
                row["max_points"] = str(form.cleaned_data[f"points_{ind.pk}"] or Decimal(0))
                if f"name_{ind.pk}" in form.cleaned_data:
                    row["name"] = form.cleaned_data[f"name_{ind.pk}"]
            new = services.save_rubric(code=rubric.code, name=rubric.name, dimensions=data, levels=rubric.levels,
                                       actor=user, is_template=rubric.is_template, description=rubric.description)  # fmt: skip
            messages.success(request, f"已保存为第{new.version}版；进行中的评价仍使用原版本")
            return redirect("scorecards:rubrics")
        return render(request, "scorecards/rubric_form.html", {"form": form, "rubric": rubric}, status=422)
    return render(request, "scorecards/rubric_form.html", {"form": form, "rubric": rubric})
