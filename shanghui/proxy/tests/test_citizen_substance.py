"""What the applicant is told carries the substance (issue 13, item 7): the SMS and the case group's
system message name the items to correct and the reason of a refusal; after a refusal the applicant may
still ask a question in the case group for a while; withdrawn cases and outsiders stay read-only."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from shanghui.conversations import services as conversations
from shanghui.conversations.models import Message
from shanghui.lib.owners import Viewer
from shanghui.notify.models import OutboxMessage
from shanghui.notify.sms import MAX_PARAM_CHARS, render
from shanghui.proxy.models import Case
from shanghui.proxy.owner import PROXY_CASE, QUESTIONS_AFTER_DECISION, CaseOwner
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK


def sms_of(case: Case, event: str) -> OutboxMessage:
    return OutboxMessage.objects.get(address=case.applicant_mobile, event=event, channel="sms")


def system_messages(case: Case) -> list[str]:
    return list(
        Message.objects.filter(conversation__owner_type=PROXY_CASE, conversation__owner_id=case.pk)
        .order_by("seq")
        .values_list("body", flat=True)
    )


def refused(pw: SimpleNamespace, reason: str = "户籍不在本窗口辖区") -> Case:
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    return pw.act(case, "refuse", CLERK, reason=reason)


def test_the_correction_sms_and_message_name_the_items(pw: SimpleNamespace) -> None:
    case = pw.act(
        pw.submitted(), "request_correction", AGENT, correction_items="户口簿首页不清晰\n照片背景须为白色"
    )
    sms = sms_of(case, "case.request_correction")
    assert sms.template == "case_detail"
    assert sms.params["detail"] == "需补正：户口簿首页不清晰；照片背景须为白色"
    assert "需补正：户口簿首页不清晰；照片背景须为白色" in render("case_detail", sms.params)
    assert any("需补正：户口簿首页不清晰" in body for body in system_messages(case)), system_messages(case)


def test_the_refusal_sms_and_message_give_the_reason(pw: SimpleNamespace) -> None:
    case = refused(pw)
    sms = sms_of(case, "case.refuse")
    assert sms.template == "case_detail" and sms.params["detail"] == "原因：户籍不在本窗口辖区"
    assert any("不予受理" in body and "原因：户籍不在本窗口辖区" in body for body in system_messages(case))
    # A status without substance keeps the plain template.
    assert sms_of(case, "case.forward").template == "case_update"


def test_a_long_reason_is_cut_to_one_template_parameter(pw: SimpleNamespace) -> None:
    case = refused(pw, reason="申请人户籍已迁出本县，" * 6)
    detail = sms_of(case, "case.refuse").params["detail"]
    assert len(detail) == MAX_PARAM_CHARS and detail.endswith("…")
    # The group has the whole reason.
    assert any("申请人户籍已迁出本县，" * 6 in body for body in system_messages(case))


def test_after_a_refusal_the_applicant_can_still_ask_for_a_while(pw: SimpleNamespace) -> None:
    case = refused(pw)
    citizen = Viewer(mobile=case.applicant_mobile)
    conversation, _ = conversations.open_for(PROXY_CASE, case.pk, citizen)
    conversations.post_message(conversation=conversation, viewer=citizen, body="请问我该去哪里办？")
    assert Message.objects.filter(body="请问我该去哪里办？").exists()
    # An outsider (another number) still has nothing.
    assert not CaseOwner().access(Viewer(mobile="13900005678"), case.pk, joined=False).read
    # Once the time for questions has passed, the group is read-only for the applicant.
    assert case.closed_at is not None
    Case.objects.filter(pk=case.pk).update(
        closed_at=case.closed_at - QUESTIONS_AFTER_DECISION - dt.timedelta(minutes=1)
    )
    assert not CaseOwner().access(citizen, case.pk, joined=False).post
    with pytest.raises(PermissionDenied):
        conversations.post_message(conversation=conversation, viewer=citizen, body="还在吗？")


def test_a_withdrawn_case_is_read_only_for_the_applicant_at_once(pw: SimpleNamespace) -> None:
    case = pw.act(pw.submitted(), "withdraw", APPLICANT)
    access = CaseOwner().access(Viewer(mobile=case.applicant_mobile), case.pk, joined=False)
    assert access.read and not access.post


# --- The next step and the expected date; readable result names -------------------------------------


def completed_with_result(pw: SimpleNamespace, *names: str) -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanghui.proxy import services
    from shanghui.testing.cases import PDF

    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    case = pw.act(case, "accept", CLERK, acceptance_number="KC-7")
    for name in names:
        upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
        services.add_material(case=case, actor=pw.clerk, upload=upload, slot=None, is_result=True)
    return pw.act(case, "complete", CLERK, result="granted", delivery_method="post", tracking_number="EMS77")


def test_the_tracking_page_shows_the_next_step_and_its_date(client, pw: SimpleNamespace) -> None:
    case = pw.act(pw.submitted(), "forward", AGENT, window=pw.window)
    html = client.get("/my/track/", {"number": case.number, "code": case.query_code}).content.decode()
    assert 'data-testid="next-step"' in html and "受理部门窗口受理" in html
    local = case.acceptance_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert "预计完成：<time" in html and f">{local:%Y-%m-%d}</time>" in html
    # Over: no next step.
    withdrawn = pw.act(pw.submitted(), "withdraw", APPLICANT)
    html = client.get(
        "/my/track/", {"number": withdrawn.number, "code": withdrawn.query_code}
    ).content.decode()
    assert 'data-testid="next-step"' not in html


def test_a_refused_case_points_to_the_group_until_questions_close(client, pw: SimpleNamespace) -> None:
    case = refused(pw)
    html = client.get("/my/track/", {"number": case.number, "code": case.query_code}).content.decode()
    assert "如有疑问，可在代办群向代办员咨询" in html and "可咨询至" in html


def test_results_have_readable_names_in_page_and_download(client, pw: SimpleNamespace) -> None:
    from shanghui.proxy.tests.test_citizen_views import as_citizen

    case = completed_with_result(pw, "IMG_2034.pdf", "scan0001.pdf")
    html = as_citizen(client).get(f"/my/cases/{case.pk}/").content.decode()
    assert "办理结果（1）.pdf" in html and "办理结果（2）.pdf" in html
    assert "IMG_2034" not in html and "scan0001" not in html
    assert "寄递单号" in html  # the next step: confirm once the post has come
    assert "收到邮寄的办理结果后确认收到" in html
    first = case.materials.filter(is_result=True).order_by("uploaded_at", "pk").first()
    response = client.get(f"/my/cases/{case.pk}/files/{first.pk}/")  # type: ignore[union-attr]
    assert response.status_code == 200
    assert (
        "办理结果（1）.pdf" in response["Content-Disposition"]
        or "%E5%8A%9E%E7%90%86" in response["Content-Disposition"]
    )
    assert case.number in response["Content-Disposition"]


# --- The application: the person's city first ---------------------------------------------------------


def test_a_returning_number_sees_the_points_of_their_city_first(client, pw: SimpleNamespace) -> None:
    import re

    from shanghui.proxy import services
    from shanghui.proxy.tests.test_citizen_views import as_citizen

    other = "13900005678"
    applicant = services.Applicant(**{**pw.applicant.__dict__, "mobile": other, "current_city": "杭州市"})
    pw.new_case(applicant=applicant)
    html = as_citizen(client, other).get("/my/apply/", {"item": pw.item.pk}).content.decode()
    names = re.findall(r'<span class="fw-semibold d-block">([^<]+)', html)
    assert names[:2] == ["龙游在杭州商会 ", "衢州在上海商会"]
    assert f'value="{pw.point_b.pk}" id="point-{pw.point_b.pk}" required checked' in html
    assert 'name="current_city" value="杭州市"' in html
    # The city chosen on the guide wins; a person with no earlier case and no city gets no choice made.
    html = client.get("/my/apply/", {"item": pw.item.pk, "city": "上海"}).content.decode()
    assert f'value="{pw.point_a.pk}" id="point-{pw.point_a.pk}" required checked' in html
    fresh = (
        as_citizen(client.__class__(), "13700001111").get("/my/apply/", {"item": pw.item.pk}).content.decode()
    )
    assert " checked" not in fresh.split('data-testid="apply-form"')[1].split("poa_confirmed")[0]
