"""The pages: the access matrix (each persona, an outsider among them, × each page → 200/403/404, and
refused actions change nothing), confidentiality (a chamber admin outside the committee sees statistics
and gets 404 on the dispute; a party sees their own dispute and not another's; openings audited), the
list's filters and export, intake, the agreement PDF, statistics and their export."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from shanghui.audit.models import AuditEntry
from shanghui.mediation import services
from shanghui.mediation.models import Dispute, Kind, Status
from shanghui.mediation.tests.conftest import (
    APPLICANT_MOBILE,
    RESPONDENT_MOBILE,
    STRANGER_MOBILE,
    as_party,
    pdf,
)
from shanghui.mediation.workflow import COMMITTEE, MEDIATOR, RESPONDENT


@pytest.fixture
def pages(med: SimpleNamespace) -> SimpleNamespace:
    med.dispute = med.new()
    services.assign_mediator(
        actor=med.med_admin, kinds={COMMITTEE}, dispute_id=med.dispute.pk, mediator=med.mediator
    )
    med.other = med.new(committee=med.committee_b)  # chamber B's dispute
    return med


def workbook(response: Any) -> Any:
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def summary(book: Any) -> dict[str, Any]:
    # Row 1 is the title (report, scope, period, time), row 2 the header.
    assert [c.value for c in book["总体"][2]] == ["指标", "数值"]
    return {row[0]: row[1] for row in book["总体"].iter_rows(min_row=3, values_only=True)}


def title(book: Any) -> str:
    titles = {str(sheet["A1"].value) for sheet in book}
    assert len(titles) == 1  # every sheet carries the same title row
    return titles.pop()


def client_for(user: object) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


STAFF_MATRIX = [
    # persona, list, detail, stats
    ("med_admin", 200, 200, 200),
    ("mediator", 200, 200, 200),
    ("mediator2", 200, 404, 200),  # on the roster, not on this dispute
    ("chamber_admin", 302, 404, 200),  # the chamber's admin outside the committee: figures only
    ("fed_admin", 302, 404, 200),
    ("chamber_admin_b", 200, 404, 200),  # another committee's admin
    ("agent", 403, 404, 403),
    ("outsider", 403, 404, 403),
]


@pytest.mark.parametrize(("persona", "list_status", "detail_status", "stats_status"), STAFF_MATRIX)
def test_the_staff_access_matrix(pages, persona, list_status, detail_status, stats_status):
    client = client_for(getattr(pages, persona))
    d = pages.dispute
    assert client.get("/mediation/").status_code == list_status
    assert client.get(f"/mediation/{d.pk}/").status_code == detail_status
    assert client.get("/mediation/stats/").status_code == stats_status
    for url in (f"/mediation/{d.pk}/agreement.pdf", f"/mediation/{d.pk}/files/1/"):
        assert client.get(url).status_code == 404
    # Refused actions change nothing
    if detail_status == 404:
        before = Dispute.objects.filter(pk=d.pk).values().get()
        assert client.post(f"/mediation/{d.pk}/act/accept/", {"status": "filed"}).status_code == 404
        assert (
            client.post(f"/mediation/{d.pk}/mediators/", {"mediator": pages.mediator2.pk}).status_code == 404
        )
        assert Dispute.objects.filter(pk=d.pk).values().get() == before
        assert d.assignments.count() == 1


def test_anonymous_people_are_sent_to_log_in(pages):
    client = Client()
    assert client.get("/mediation/").status_code == 302
    response = client.get(f"/my/disputes/{pages.dispute.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/my/login/")


def test_a_mediator_may_not_take_the_committees_actions_and_nothing_changes(pages):
    client = client_for(pages.mediator)
    response = client.post(f"/mediation/{pages.dispute.pk}/act/accept/", {"status": "filed"})
    assert response.status_code == 403
    assert Dispute.objects.get(pk=pages.dispute.pk).status == Status.FILED


def test_openings_by_non_mediators_are_audited_and_the_mediators_are_not(pages):
    client_for(pages.mediator).get(f"/mediation/{pages.dispute.pk}/")
    assert not AuditEntry.objects.filter(action="mediation.open").exists()
    client_for(pages.med_admin).get(f"/mediation/{pages.dispute.pk}/")
    entry = AuditEntry.objects.get(action="mediation.open")
    assert (entry.actor_id, entry.object_id) == (pages.med_admin.pk, str(pages.dispute.pk))


@pytest.mark.parametrize(
    ("mobile", "own", "other"),
    [(APPLICANT_MOBILE, 200, 404), (RESPONDENT_MOBILE, 200, 404), (STRANGER_MOBILE, 404, 404)],
)
def test_a_party_sees_their_own_dispute_and_not_anothers(pages, mobile, own, other):
    other = services.create_dispute(
        actor=None, mobile="13700000001", committee=pages.committee, source="party", kind=Kind.DEBT, amount="1",
        facts="另一件", claims="还钱", parties=pages.parties("13700000001", "13700000002"),
    ) if other else None  # fmt: skip
    client = as_party(Client(), mobile)
    response = client.get(f"/my/disputes/{pages.dispute.pk}/")
    assert response.status_code == own
    assert client.get(f"/my/disputes/{other.pk}/").status_code == 404
    listing = client.get("/my/disputes/").content.decode()
    assert (pages.dispute.number in listing) == (own == 200)
    assert other.number not in listing
    # Staff pages are not for a party's session
    assert client.get(f"/mediation/{pages.dispute.pk}/").status_code == 302


def test_the_respondent_agrees_on_the_phone_and_the_applicant_cannot_agree_for_them(pages):
    d = pages.dispute
    client_for(pages.med_admin).post(f"/mediation/{d.pk}/act/accept/", {"status": "filed"})
    applicant = as_party(Client(), APPLICANT_MOBILE)
    page = applicant.get(f"/my/disputes/{d.pk}/").content.decode()
    assert 'data-testid="do-consent"' not in page and 'data-testid="do-withdraw"' in page
    assert (
        applicant.post(f"/my/disputes/{d.pk}/act/consent/", {"status": "awaiting_consent"}).status_code == 403
    )
    assert Dispute.objects.get(pk=d.pk).status == Status.AWAITING_CONSENT
    respondent = as_party(Client(), RESPONDENT_MOBILE)
    assert 'data-testid="do-consent"' in respondent.get(f"/my/disputes/{d.pk}/").content.decode()
    # A stale page gets a conflict (409) once someone acted
    assert (
        respondent.post(f"/my/disputes/{d.pk}/act/consent/", {"status": "awaiting_consent"}).status_code
        == 302
    )
    response = respondent.post(f"/my/disputes/{d.pk}/act/refuse/", {"status": "awaiting_consent"})
    assert response.status_code == 409 and "调解中" in response.content.decode()
    assert Dispute.objects.get(pk=d.pk).status == Status.MEDIATING


def test_a_party_files_on_the_phone_with_evidence(med):
    client = as_party(Client(), APPLICANT_MOBILE)
    assert client.get("/my/disputes/new/").status_code == 200
    data = {
        "committee": med.committee.pk, "kind": "debt", "amount": "8000", "facts": "借款未还", "claims": "归还借款",
        "applicant_kind": "person", "applicant_name": "张三", "respondent_kind": "enterprise",
        "respondent_name": med.respondent_org.name, "respondent_credit_code": med.respondent_org.credit_code,
        "respondent_mobile": RESPONDENT_MOBILE, "evidence": [pdf("借条.pdf")],
    }  # fmt: skip
    response = client.post("/my/disputes/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    d = Dispute.objects.get()
    assert d.parties.get(side="applicant").mobile == APPLICANT_MOBILE and d.files.count() == 1
    # Bad input: a clear error, nothing written
    bad = {**data, "amount": "-5", "evidence": []}
    response = client.post("/my/disputes/new/", bad)
    assert response.status_code == 422 and Dispute.objects.count() == 1


def test_staff_file_a_court_delegation_and_bad_input_writes_nothing(med):
    client = client_for(med.med_admin)
    data = {
        "committee": med.committee.pk, "source": "court", "delegated_by": "柯城区人民法院", "external_number": "",
        "kind": "contract", "amount": "1000", "facts": "货款", "claims": "付款", "applicant_kind": "enterprise",
        "applicant_name": med.enterprise_a.name, "applicant_credit_code": med.enterprise_a.credit_code,
        "applicant_mobile": APPLICANT_MOBILE, "respondent_kind": "person", "respondent_name": "王五",
        "respondent_mobile": RESPONDENT_MOBILE,
    }  # fmt: skip
    response = client.post("/mediation/new/", data)
    assert response.status_code == 422 and "案号" in response.content.decode()
    assert not Dispute.objects.exists()
    response = client.post("/mediation/new/", {**data, "external_number": "(2026)浙0802民诉前调9号"})
    assert response.status_code == 302
    assert Dispute.objects.get().external_number == "(2026)浙0802民诉前调9号"
    assert client_for(med.mediator).get("/mediation/new/").status_code == 403


def test_the_list_filters_searches_paginates_and_exports_what_it_shows(pages):
    client = client_for(pages.med_admin)
    page = client.get("/mediation/", {"q": "乙贸易"}).content.decode()
    assert pages.dispute.number in page and pages.other.number not in page
    assert pages.dispute.number not in client.get("/mediation/", {"status": "closed"}).content.decode()
    assert "没有符合条件的纠纷" in client.get("/mediation/", {"kind": "ip"}).content.decode()
    response = client.get("/mediation/", {"export": "xlsx"})
    sheet: Any = workbook(response).active
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert "导出时间：" in str(title[0])
    assert rows[0][0] == "纠纷编号" and [r[0] for r in rows[1:]] == [pages.dispute.number]
    assert AuditEntry.objects.filter(action="mediation.export").exists()


def test_the_agreement_pdf_and_the_confirmation_pack(pages):
    d = pages.dispute
    services.act(dispute_id=d.pk, action="accept", actor=pages.med_admin, kinds={COMMITTEE})
    services.act(dispute_id=d.pk, action="consent", actor=None, kinds={RESPONDENT})
    services.declare_no_conflict(actor=pages.mediator, dispute_id=d.pk)
    session = services.schedule_session(actor=pages.mediator, kinds={MEDIATOR}, dispute_id=d.pk,
                                        scheduled_at=d.filed_at, place="商会调解室", online=False)  # fmt: skip
    services.record_minutes(actor=pages.mediator, kinds={MEDIATOR}, session_id=session.pk, minutes="双方陈述")
    client = client_for(pages.mediator)
    assert client.get(f"/mediation/{d.pk}/agreement.pdf").status_code == 404
    response = client.post(f"/mediation/{d.pk}/act/record_agreement/", {
        "status": "mediating", "issues": "货款", "terms": "乙方十日内支付十万元", "performance_method": "转账",
        "performance_due": "2026-12-31", "settled_amount": "100000"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.get(f"/mediation/{d.pk}/agreement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert as_party(Client(), APPLICANT_MOBILE).get(f"/my/disputes/{d.pk}/agreement.pdf").status_code == 200
    assert as_party(Client(), STRANGER_MOBILE).get(f"/my/disputes/{d.pk}/agreement.pdf").status_code == 404
    # Signing needs the scan; a text file is refused with a clear message
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(f"/mediation/{d.pk}/act/sign/", {"status": "agreement_drafted",
                                                            "signed_scan": SimpleUploadedFile("a.txt", b"hi")})  # fmt: skip
    assert response.status_code == 422 and Dispute.objects.get(pk=d.pk).status == Status.AGREEMENT_DRAFTED
    response = client.post(
        f"/mediation/{d.pk}/act/sign/", {"status": "agreement_drafted", "signed_scan": pdf()}
    )
    assert response.status_code == 302
    response = client.get(f"/mediation/{d.pk}/confirmation.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(f"/mediation/{d.pk}/signed/").status_code == 200
    assert AuditEntry.objects.filter(action="mediation.file.download").count() == 1


def test_statistics_show_counts_without_parties_and_export(pages):
    client = client_for(pages.chamber_admin)
    page = client.get("/mediation/stats/").content.decode()
    assert "纠纷总数" in page
    assert pages.respondent_org.name not in page and "120000" not in page.replace("120000.00", "")
    response = client.get("/mediation/stats/", {"export": "xlsx"})
    book = workbook(response)
    assert book.sheetnames[:2] == ["总体", "按类型"]
    assert summary(book)["纠纷总数（件）"] == 1  # chamber A's only
    assert summary(book)["登记至结果的天数（中位数）（天）"] == "—"
    assert title(book).startswith("调解统计　范围：衢州在上海商会　期间：全部（登记日期不限）　导出时间：")
    assert [c.value for c in book["按类型"][2]] == ["纠纷类型", "纠纷数（件）", "达成协议（件）"]
    assert [c.value for c in book["按结果"][2]] == ["结果", "纠纷数（件）"]
    assert AuditEntry.objects.filter(
        action="mediation.stats_export", actor_id=pages.chamber_admin.pk
    ).exists()
    fed = client_for(pages.fed_admin).get("/mediation/stats/", {"export": "xlsx"})
    book = workbook(fed)
    assert summary(book)["纠纷总数（件）"] == 2  # the city sees both
    assert title(book).startswith("调解统计　范围：衢州市工商联　期间：全部（登记日期不限）")
    # The committee and the dates chosen on the page are the title's scope and period.
    today = timezone.localdate()
    chosen = client_for(pages.fed_admin).get("/mediation/stats/", {
        "export": "xlsx", "committee": pages.committee_b.pk, "since": "2020-01-01", "until": today.isoformat(),
    })  # fmt: skip
    book = workbook(chosen)
    assert summary(book)["纠纷总数（件）"] == 1
    assert title(book).startswith(
        f"调解统计　范围：龙游在杭州商会人民调解委员会　期间：登记日期 2020-01-01 至 {today.isoformat()}　"
    )
    # A mediator sees the committee they sit on, named as such.
    book = workbook(
        client_for(pages.mediator).get("/mediation/stats/", {"export": "xlsx", "since": "2020-01-01"})
    )
    assert title(book).startswith(
        "调解统计　范围：衢州在上海商会人民调解委员会　期间：登记日期 2020-01-01 起　"
    )


def test_the_mediator_records_a_session_with_minutes_from_the_page(pages):
    d = pages.dispute
    services.act(dispute_id=d.pk, action="accept", actor=pages.med_admin, kinds={COMMITTEE})
    services.act(dispute_id=d.pk, action="consent", actor=None, kinds={RESPONDENT})
    client = client_for(pages.mediator)
    assert client.post(f"/mediation/{d.pk}/declare/").status_code == 302
    response = client.post(
        f"/mediation/{d.pk}/sessions/", {"scheduled_at": "2026-12-10T09:30", "place": "商会调解室"}
    )
    assert response.status_code == 302
    session = d.sessions.get()
    response = client.post(
        f"/mediation/{d.pk}/sessions/{session.pk}/minutes/", {"minutes": "双方陈述意见", "shared": "on"}
    )
    assert response.status_code == 302
    assert (
        "双方陈述意见" in as_party(Client(), RESPONDENT_MOBILE).get(f"/my/disputes/{d.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("who", "url", "label"),
    [
        ("med_admin", "/mediation/", "Dispute mediation"),
        ("med_admin", "/mediation/stats/", "Mediation statistics"),
        ("med_admin", "/mediation/new/", "File a dispute"),
        ("party", "/my/disputes/", "My disputes"),
        ("party", "/my/disputes/new/", "Apply for mediation"),
    ],
)
def test_the_pages_speak_english_when_asked(pages, who, url, label):
    from django.conf import settings

    client = as_party(Client(), APPLICANT_MOBILE) if who == "party" else client_for(getattr(pages, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html and label in html
    import re

    headings = re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, flags=re.S)
    assert headings and not any(re.search(r"[\u4e00-\u9fff]", h) for h in headings)


def test_the_register_of_ties_feeds_the_conflict_check(pages):
    url = f"/mediation/committees/{pages.committee.pk}/"
    for persona, status in (
        ("outsider", 404),
        ("chamber_admin", 404),
        ("chamber_admin_b", 404),
        ("mediator", 200),
    ):
        assert client_for(getattr(pages, persona)).get(url).status_code == status
    admin = client_for(pages.med_admin)
    code = pages.respondent_org.credit_code
    data = {"mediator": pages.mediator2.pk, "enterprise_name": "乙", "credit_code": "bad", "kind": "relative"}
    response = admin.post(url, data)
    assert response.status_code == 422 and not pages.mediator2.mediation_ties.exists()
    assert admin.post(url, {**data, "credit_code": code, "note": "兄长任法定代表人"}).status_code == 302
    assert AuditEntry.objects.filter(action="mediation.tie.create").count() == 1
    # A mediator records only their own ties
    mediator = client_for(pages.mediator)
    assert mediator.post(url, {**data, "credit_code": code}).status_code == 422  # mediator2 is not a choice
    assert pages.mediator2.mediation_ties.count() == 1
    # The check now refuses mediator2 on the dispute against 乙
    response = admin.post(f"/mediation/{pages.dispute.pk}/mediators/", {"mediator": pages.mediator2.pk})
    assert response.status_code == 422 and "兄长任法定代表人" in response.content.decode()


def test_the_home_page_card_of_a_committee_member(pages):
    html = client_for(pages.med_admin).get("/").content.decode()
    # Chamber A's dispute only (chamber B's belongs to another committee)
    assert 'data-card="mediation"' in html and "待受理 1 件，已超期 0 件" in html
    assert 'data-card="mediation"' not in client_for(pages.chamber_admin).get("/").content.decode()
