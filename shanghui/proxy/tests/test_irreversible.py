"""Irreversible actions on the staff case page (issue 13, item 11): 不予受理 and 终止办理 ask first, their
reasons reach the case group and the applicant's SMS, and 办结 offers only the delivery methods the item
allows (the same rule for the page and the API)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shanghui.conversations.models import Message
from shanghui.notify.models import ChannelKind, OutboxMessage
from shanghui.notify.sms import MAX_PARAM_CHARS, TEMPLATES
from shanghui.proxy.models import Case, Status
from shanghui.proxy.workflow import AGENT, CLERK


def _forwarded(pw: SimpleNamespace, **kw: Any) -> Case:
    case = pw.new_case(**kw)
    from shanghui.proxy import services
    from shanghui.testing.cases import pdf_upload

    services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
    case = pw.act(case, "submit", AGENT)
    return pw.act(case, "forward", AGENT, window=pw.window)


def _act(client: Client, case: Case, action: str, **data: Any) -> Any:
    return client.post(reverse("proxy:act", args=[case.pk, action]), {"expected_status": case.status, **data})


def _system_messages(case: Case) -> list[str]:
    return list(
        Message.objects.filter(
            conversation__owner_type="proxy.case", conversation__owner_id=case.pk, kind=Message.Kind.SYSTEM
        )
        .order_by("seq")
        .values_list("body", flat=True)
    )


def test_refusing_and_terminating_ask_for_confirmation_on_the_page(
    client: Client, pw: SimpleNamespace
) -> None:
    forwarded = _forwarded(pw)
    accepted = pw.act(_forwarded(pw), "accept", CLERK, acceptance_number="A1")
    client.force_login(pw.clerk)

    refuse_page = client.get(reverse("proxy:detail", args=[forwarded.pk])).content.decode()
    terminate_page = client.get(reverse("proxy:detail", args=[accepted.pk])).content.decode()

    assert 'hx-confirm="确定不予受理该办件吗？此操作不能撤销' in refuse_page
    assert 'hx-confirm="确定终止办理该办件吗？终止后不能恢复' in terminate_page
    # A reversible action does not ask.
    assert 'data-testid="action-form-accept"' in refuse_page
    accept_form = refuse_page.split('data-testid="action-accept"')[1].split("</form>")[0]
    assert "hx-confirm" not in accept_form


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [
        ("refuse", Status.FORWARDED, "户籍信息与本窗口辖区不符"),
        ("terminate", Status.ACCEPTED, "申请人要求不再办理"),
    ],
)
def test_the_reason_reaches_the_case_group_and_the_applicants_sms(
    client: Client, pw: SimpleNamespace, action: str, status: str, reason: str
) -> None:
    case = _forwarded(pw)
    if status == Status.ACCEPTED:
        case = pw.act(case, "accept", CLERK, acceptance_number="A1")
    client.force_login(pw.clerk)

    assert _act(client, case, action, reason=reason).status_code in (200, 302)

    case.refresh_from_db()
    assert case.status in (Status.REFUSED, Status.TERMINATED)
    assert f"原因：{reason}" in _system_messages(case)[-1]
    sms = OutboxMessage.objects.get(channel=ChannelKind.SMS, event=f"case.{action}")
    assert sms.address == case.applicant_mobile
    assert sms.template == "case_detail" and sms.params["detail"] == f"原因：{reason}"
    text = TEMPLATES[sms.template].format(**sms.params)
    assert reason in text and case.get_status_display() in text
    # Other moves keep the plain update (their SMS has no reason to give).
    accept_sms = OutboxMessage.objects.filter(channel=ChannelKind.SMS, event="case.forward").get()
    assert accept_sms.template == "case_update" and "detail" not in accept_sms.params


def test_a_long_reason_is_cut_to_what_an_sms_parameter_holds(pw: SimpleNamespace) -> None:
    case = _forwarded(pw)
    reason = "材料不全" * 20 + "\n第二行"
    pw.act(case, "refuse", CLERK, reason=reason)

    sms = OutboxMessage.objects.get(channel=ChannelKind.SMS, event="case.refuse")
    assert len(sms.params["detail"]) == MAX_PARAM_CHARS and sms.params["detail"].endswith("…")
    # The case group keeps the whole reason.
    assert "第二行" in _system_messages(case)[-1]


def _allowing(case: Case, methods: list[str]) -> Case:
    """The case's pinned item version, as if its item allowed only `methods`."""
    version = case.item_version
    version.snapshot = {**version.snapshot, "delivery_methods": methods}
    version.save(update_fields=["snapshot"])
    case.refresh_from_db()
    return case


def _delivery_options(client: Client, case: Case) -> list[str]:
    html = client.get(reverse("proxy:detail", args=[case.pk])).content.decode()
    select = html.split('name="delivery_method"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"', select)


def test_completion_offers_only_the_delivery_methods_the_item_allows(
    client: Client, pw: SimpleNamespace
) -> None:
    case = pw.act(_forwarded(pw), "accept", CLERK, acceptance_number="A1")
    client.force_login(pw.clerk)
    # The item names none: every method.
    assert set(_delivery_options(client, case)) == {"", "post", "electronic", "pickup"}
    # One: the only one, chosen already.
    assert _delivery_options(client, _allowing(case, ["post"])) == ["post"]
    # Two: those, in the item's order, to choose from.
    two = _allowing(case, ["pickup", "electronic"])
    assert _delivery_options(client, two) == ["", "pickup", "electronic"]

    # A method the item does not allow is refused in Chinese, by the page and the service alike, and
    # changes nothing.
    response = _act(client, two, "complete", result="granted", delivery_method="post", tracking_number="EMS1")
    assert "该事项不提供这种送达方式" in response.content.decode()
    two.refresh_from_db()
    assert two.status == Status.ACCEPTED
    with pytest.raises(Exception, match="送达方式"):
        pw.act(two, "complete", CLERK, result="granted", delivery_method="post", tracking_number="EMS1")
    two.refresh_from_db()
    assert two.status == Status.ACCEPTED and not two.delivery_method

    assert _act(client, two, "complete", result="granted", delivery_method="pickup").status_code in (200, 302)
    two.refresh_from_db()
    assert two.status == Status.COMPLETED and two.delivery_method == "pickup"
