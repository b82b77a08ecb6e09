"""One dispute through the whole mediation in four browsers: the applicant enterprise files on a phone
(390×844, one-time code), the committee's admin accepts, the respondent agrees on a phone, a mediator
with a conflict is refused and another assigned, a session is held with minutes, the agreement PDF is
generated and marked signed, judicial confirmation is applied for and granted, the follow-up records
performance, and the dispute is closed — which the applicant sees on the phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from shanghui.mediation.models import Dispute, Status
from shanghui.mediation.tests import conftest as mediation_fixtures
from shanghui.mediation.tests.conftest import APPLICANT_MOBILE, PDF, RESPONDENT_MOBILE
from shanghui.notify.sms import ConsoleSmsBackend
from tests.browser.conftest import login, watch_console

# The mediation personas (a committee of chamber A, its roster with a tied mediator) on the shared world.
med = mediation_fixtures.med


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def party_logs_in(page: Any, mobile: str, next_path: str) -> None:
    page.goto(next_path)
    page.wait_for_url(re.compile(r"/my/login/\?next="))
    page.fill("#id_mobile", mobile)
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = ConsoleSmsBackend.outbox[-1]["params"]["code"]
    page.fill("#id_code", code)
    page.get_by_test_id("verify").click()
    page.wait_for_url(f"**{next_path}")


def status_is(page: Any, label: str) -> None:
    expect(page.get_by_test_id("dispute-status")).to_have_text(label)


def test_a_dispute_from_the_phone_to_closing(med, new_page):
    errors: list[str] = []
    # Given the applicant enterprise's contact on a phone
    applicant = new_page(phone=True)
    watch_console(applicant, errors)
    party_logs_in(applicant, APPLICANT_MOBILE, "/my/disputes/")
    expect(applicant.get_by_test_id("no-disputes")).to_be_visible()
    applicant.get_by_test_id("new-dispute").click()
    # When they file (their mobile is the proved one, filled in and fixed)
    expect(applicant.locator("#id_applicant_mobile")).to_have_value(APPLICANT_MOBILE)
    applicant.select_option("#id_committee", label=med.committee.name)
    applicant.select_option("#id_kind", "contract")
    applicant.fill("#id_amount", "120000")
    applicant.fill("#id_facts", "乙公司拖欠货款十二万元，多次催要未果")
    applicant.fill("#id_claims", "请求支付货款")
    applicant.select_option("#id_applicant_kind", "enterprise")
    applicant.fill("#id_applicant_name", med.enterprise_a.name)
    applicant.fill("#id_applicant_credit_code", med.enterprise_a.credit_code)
    applicant.select_option("#id_respondent_kind", "enterprise")
    applicant.fill("#id_respondent_name", med.respondent_org.name)
    applicant.fill("#id_respondent_credit_code", med.respondent_org.credit_code)
    applicant.fill("#id_respondent_mobile", RESPONDENT_MOBILE)
    applicant.get_by_test_id("dispute-submit").click()
    applicant.wait_for_url(re.compile(r"/my/disputes/\d+/$"))
    status_is(applicant, "已登记，待受理")
    # The page fits the phone: nothing wider than the screen
    assert applicant.evaluate("document.documentElement.scrollWidth") <= 390
    dispute = Dispute.objects.get()
    url = f"/mediation/{dispute.pk}/"

    # The committee's admin accepts
    admin = new_page()
    watch_console(admin, errors)
    login(admin, med.med_admin.username, med.password)
    admin.goto(url)
    admin.get_by_test_id("do-accept").click()
    status_is(admin, "待被申请人同意")

    # The respondent agrees on their phone
    respondent = new_page(phone=True)
    watch_console(respondent, errors)
    party_logs_in(respondent, RESPONDENT_MOBILE, f"/my/disputes/{dispute.pk}/")
    respondent.get_by_test_id("do-consent").click()
    status_is(respondent, "调解中")

    # A mediator holding office in the respondent's enterprise is refused; another is assigned
    admin.goto(url)
    admin.select_option("#id_mediator", str(med.tied.pk))
    admin.get_by_test_id("assign").click()
    expect(admin.get_by_test_id("dispute-error")).to_contain_text("利害关系")
    expect(admin.get_by_test_id("assignment")).to_have_count(0)
    admin.select_option("#id_mediator", str(med.mediator.pk))
    admin.get_by_test_id("assign").click()
    expect(admin.get_by_test_id("assignment")).to_have_count(1)

    # The mediator declares, holds a session with minutes and records the written agreement
    mediator = new_page()
    watch_console(mediator, errors)
    login(mediator, med.mediator.username, med.password)
    mediator.goto(url)
    mediator.get_by_test_id("declare").click()
    expect(mediator.get_by_test_id("declared")).to_be_visible()
    mediator.fill("#id_scheduled_at", "2026-12-10T09:30")
    mediator.fill("#id_place", "商会调解室")
    mediator.get_by_test_id("schedule").click()
    mediator.fill("#id_minutes", "双方确认欠款十二万元，被申请人同意分期支付十万元。")
    mediator.check("#id_shared")
    mediator.get_by_test_id("save-minutes").click()
    expect(mediator.get_by_test_id("minutes")).to_contain_text("分期支付")
    form = mediator.get_by_test_id("action-record_agreement")
    form.locator("#f-record_agreement-issues").fill("欠付货款的数额与支付期限")
    form.locator("#f-record_agreement-terms").fill("被申请人于2026年12月31日前支付十万元")
    form.locator("#f-record_agreement-performance_method").fill("银行转账")
    form.locator("#f-record_agreement-performance_due").fill("2026-12-31")
    form.locator("#f-record_agreement-settled_amount").fill("100000")
    mediator.get_by_test_id("do-record_agreement").click()
    status_is(mediator, "协议待签署")
    # The agreement PDF is generated
    pdf = mediator.request.get(f"{url}agreement.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # Signed and sealed: the scan is attached
    mediator.get_by_test_id("action-sign").locator("input[type=file]").set_input_files(
        {"name": "协议.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    mediator.get_by_test_id("do-sign").click()
    status_is(mediator, "协议已生效")
    expect(mediator.get_by_test_id("confirmation-pdf")).to_be_visible()
    # Judicial confirmation applied for and granted
    mediator.locator("#f-apply_confirmation-court").fill("衢州市柯城区人民法院")
    mediator.get_by_test_id("do-apply_confirmation").click()
    status_is(mediator, "司法确认中")
    mediator.locator("#f-confirmation_granted-ruling_number").fill("(2026)浙0802民特8号")
    mediator.get_by_test_id("do-confirmation_granted").click()
    status_is(mediator, "履行回访中")
    # The follow-up records performance, and the dispute is closed
    mediator.locator("#f-record_performance-performance").select_option("performed")
    mediator.get_by_test_id("do-record_performance").click()
    status_is(mediator, "已结案")
    expect(mediator.get_by_test_id("dispute-performance")).to_have_text("已履行")

    # The applicant sees it closed on the phone, with the shared minutes and the agreement
    applicant.reload()
    status_is(applicant, "已结案")
    expect(applicant.get_by_test_id("minutes")).to_contain_text("分期支付")
    expect(applicant.get_by_test_id("agreement-pdf")).to_be_visible()
    dispute.refresh_from_db()
    assert dispute.status == Status.CLOSED and dispute.court_decision == "granted"
    assert errors == []
