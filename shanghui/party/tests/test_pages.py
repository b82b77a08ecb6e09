"""The pages: each persona (an outsider included) × each page → 200 / 403 / 404 / redirect; refused
actions change nothing; the lists filter and export; the journey through the pages."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.accounts import citizen
from shanghui.audit.models import AuditEntry
from shanghui.party import checks, rubrics, services
from shanghui.party.models import Candidate, Deed
from shanghui.publicity.models import Notice, Objection
from shanghui.reviews import services as reviews
from shanghui.reviews.models import Chain
from shanghui.scorecards import services as scorecards

READERS = ["fed_admin", "fed_staff", "committee", "chamber_admin", "secretary", "auditor"]
OTHERS = ["chamber_admin_b", "dept_admin", "agent", "clerk", "outsider"]


@pytest.fixture
def pages(party: SimpleNamespace) -> SimpleNamespace:
    p = party
    p.candidate = p.new_candidate()
    services.start_vetting(actor=p.chamber_admin, candidate=p.candidate)
    services.submit_self_check(candidate=p.candidate, mobile=p.mobile, conditions=list(checks.CONDITIONS),
                               disqualifications=[], signature=p.candidate.name)  # fmt: skip
    p.chain = Chain.objects.get(owner_id=p.candidate.pk)
    for who in (p.secretary, p.chamber_admin, p.committee):
        p.chain = reviews.decide(chain=p.chain, actor=who, action="approve")
    shipped = rubrics.ensure_rubrics()
    p.round = scorecards.open_round(rubric=shipped["wuyou"], name="2026年度", organiser=p.city,
                                    organisations=[p.chamber_a, p.chamber_b], period_start=dt.date(2026, 1, 1),
                                    period_end=dt.date(2026, 12, 31), actor=p.committee)  # fmt: skip
    p.card = p.round.cards.get(organisation=p.chamber_a)
    p.deed = Deed.objects.create(
        chamber=p.chamber_a, kind="problem", title="帮助企业解决用工难题", happened_on=dt.date(2026, 5, 1)
    )
    return p


def get_as(p: SimpleNamespace, who: str | None, url: str) -> Any:
    client = Client()
    if who:
        client.force_login(getattr(p, who))
    return client.get(url)


def expect(p: SimpleNamespace, url: str, codes: dict[str, int]) -> None:
    got = {who: get_as(p, who, url).status_code for who in codes}
    assert got == codes, url


def test_the_party_lists_are_for_party_roles_and_auditors(pages: SimpleNamespace) -> None:
    p = pages
    codes = {
        **dict.fromkeys(READERS, 200),
        "chamber_admin_b": 200,
        **dict.fromkeys(["dept_admin", "agent", "clerk", "outsider"], 403),
    }
    for url in ("/party/", "/party/orgs/", "/party/register/", "/party/elections/", "/party/candidates/",
                "/party/deeds/", "/scorecards/", "/scorecards/rubrics/"):  # fmt: skip
        expect(p, url, codes)
    assert get_as(p, None, "/party/").status_code == 302


def test_records_are_seen_within_scope_and_outsiders_get_404(pages: SimpleNamespace) -> None:
    p = pages
    readers = {**dict.fromkeys(READERS, 200), **dict.fromkeys(OTHERS, 404)}
    expect(p, f"/party/elections/{p.election.pk}/", readers)
    expect(p, f"/party/candidates/{p.candidate.pk}/", readers)
    expect(p, f"/scorecards/cards/{p.card.pk}/", {**readers, "dept_admin": 404})
    # The department reviewers see the chain (and the candidate's file on it), not the chamber.
    expect(p, f"/reviews/{p.chain.pk}/", {**readers, "dept_admin": 200})
    writers = {**dict.fromkeys(READERS, 200), "auditor": 403, **dict.fromkeys(OTHERS, 404)}
    expect(p, f"/party/candidates/{p.candidate.pk}/edit/", writers)
    expect(
        p,
        f"/party/orgs/{p.branch.pk}/",
        {**writers, **dict.fromkeys(["dept_admin", "agent", "clerk", "outsider"], 403)},
    )


def test_the_chain_page_shows_the_steps_and_takes_a_department_decision(pages: SimpleNamespace) -> None:
    p = pages
    client = Client()
    client.force_login(p.dept_admin)
    page = client.get(f"/reviews/{p.chain.pk}/").content.decode()
    assert "王建国" in page and "部门联审" in page and 'data-testid="decision-form"' in page
    # Bad input (有异议 without a reason) changes nothing.
    response = client.post(
        f"/reviews/{p.chain.pk}/decide/", {"action": "object", "expected_status": "running"}
    )
    assert response.status_code == 422
    assert Chain.objects.get(pk=p.chain.pk).status == "running"
    response = client.post(
        f"/reviews/{p.chain.pk}/decide/",
        {"action": "approve", "opinion": "无记录", "expected_status": "running"},
    )
    assert response.status_code == 302
    assert p.chain.steps.get(index=4).answers.get(department=p.dept).opinion == "agree"
    # A stale form (the status changed meanwhile) is a conflict that changes nothing.
    other = Client()
    other.force_login(p.dept2_admin)
    Chain.objects.filter(pk=p.chain.pk).update(status="more")
    assert (
        other.post(
            f"/reviews/{p.chain.pk}/decide/", {"action": "approve", "expected_status": "running"}
        ).status_code
        == 403
    )
    Chain.objects.filter(pk=p.chain.pk).update(status="running")


def test_refused_actions_change_nothing(pages: SimpleNamespace) -> None:
    p = pages
    draft = p.new_candidate(position="vice_president")
    before = AuditEntry.objects.exclude(action="auth.login").count()
    for who, code in (("auditor", 403), ("outsider", 404), ("chamber_admin_b", 404)):
        client = Client()
        client.force_login(getattr(p, who))
        assert client.post(f"/party/candidates/{draft.pk}/act/start/").status_code == code
        assert client.post(f"/reviews/{p.chain.pk}/decide/", {"action": "approve"}).status_code in (403, 404)
        assert client.post(f"/scorecards/cards/{p.card.pk}/save/self/", {}).status_code in (403, 404)
    client = Client()
    client.force_login(p.chamber_admin)  # sees the chain, but is not a reviewer of the joint step
    assert client.post(f"/reviews/{p.chain.pk}/decide/", {"action": "approve"}).status_code == 403
    assert Candidate.objects.get(pk=draft.pk).status == "draft"
    assert p.chain.steps.get(index=4).answers.exclude(opinion="").count() == 0
    assert AuditEntry.objects.exclude(action="auth.login").count() == before


def test_the_self_check_page_asks_for_the_candidates_phone(pages: SimpleNamespace) -> None:
    p = pages
    url = f"/party/self-check/{p.candidate.pk}/"
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/my/login/")
    stranger = Client()
    session = stranger.session
    session[citizen.CITIZEN_SESSION_KEY], session[citizen.VERIFIED_AT_KEY] = (
        "13700000000",
        int(timezone.now().timestamp()),
    )
    session.save()
    assert stranger.get(url).status_code == 404
    own = Client()
    session = own.session
    session[citizen.CITIZEN_SESSION_KEY], session[citizen.VERIFIED_AT_KEY] = (
        p.mobile,
        int(timezone.now().timestamp()),
    )
    session.save()
    page = own.get(url)
    assert page.status_code == 200 and "受过刑事处罚" in page.content.decode()
    # Not every condition ticked: refused, nothing changes.
    signed = Candidate.objects.get(pk=p.candidate.pk).self_checked_at
    response = own.post(url, {"conditions": [checks.CONDITIONS[0]], "signature": "王建国"})
    assert response.status_code == 422
    assert Candidate.objects.get(pk=p.candidate.pk).self_checked_at == signed


def test_the_public_notice_takes_objections_from_anyone(pages: SimpleNamespace) -> None:
    p = pages
    for who in (p.dept_admin, p.dept2_admin, p.dept3_admin):
        p.chain = reviews.decide(chain=p.chain, actor=who, action="approve")
    notice = services.publish_list(actor=p.committee, election=p.election)
    client = Client()
    page = client.get(f"/gs/{notice.pk}/")
    assert page.status_code == 200 and "王建国" in page.content.decode()
    assert client.post(f"/gs/{notice.pk}/", {"text": "有问题"}).status_code == 422
    assert not Objection.objects.exists()
    response = client.post(
        f"/gs/{notice.pk}/",
        {
            "name": "李四",
            "contact": "13800000000",
            "text": "有问题",
            "item_key": f"candidate:{p.candidate.pk}",
        },
    )
    assert response.status_code == 200 and "严格保密" in response.content.decode()
    # The name and contact are shown to managers only, never on the public page.
    assert "13800000000" not in client.get(f"/gs/{notice.pk}/").content.decode()
    staff = Client()
    staff.force_login(p.committee)
    assert "13800000000" in staff.get(f"/publicity/{notice.pk}/").content.decode()
    assert get_as(p, "outsider", f"/publicity/{notice.pk}/").status_code == 404
    reader = Client()
    reader.force_login(p.chamber_admin)
    assert "13800000000" not in reader.get(f"/publicity/{notice.pk}/").content.decode()
    objection = Objection.objects.get()
    assert (
        reader.post(
            f"/publicity/{notice.pk}/objections/{objection.pk}/answer/", {f"o{objection.pk}-answer": "x"}
        ).status_code
        == 403
    )
    assert staff.post(f"/publicity/{notice.pk}/act/finalise/").status_code == 409  # the period is not over
    assert Notice.objects.get(pk=notice.pk).status == "open"


def test_lists_filter_and_export(pages: SimpleNamespace) -> None:
    p = pages
    client = Client()
    client.force_login(p.fed_staff)
    assert "帮助企业解决用工难题" in client.get("/party/deeds/?kind=problem").content.decode()
    assert "帮助企业解决用工难题" not in client.get("/party/deeds/?kind=study").content.decode()
    assert "王建国" not in client.get("/party/candidates/?q=不存在").content.decode()
    for url in ("/party/?export=xlsx", "/party/orgs/?export=xlsx", "/party/register/?export=xlsx",
                "/party/elections/?export=xlsx", "/party/candidates/?export=xlsx", "/party/deeds/?export=xlsx",
                f"/scorecards/rounds/{p.round.pk}/?export=xlsx", "/scorecards/?export=xlsx"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith(
            "application/vnd.openxmlformats"
        ), url
    assert AuditEntry.objects.filter(action__in=["party.export", "scorecard.export"]).count() == 8
    # The statistics workbook says what it is, whose figures (the viewer's federation), which year, and when.
    for query, period in (("year=2026&", "2026年"), ("", "全部年份")):
        response = client.get(f"/party/?{query}export=xlsx")
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]  # a FileResponse
        for sheet in book:
            title = str(sheet["A1"].value)
            assert title.startswith(f"党建统计　范围：衢州市工商联　期间：{period}　导出时间："), title
            assert sheet.freeze_panes == "A3"
        assert [c.value for c in book["党建工作"][2]] == [
            "类型",
            "次数（次）",
            "金额（元）",
            "参与人数（人）",
        ]
        assert [c.value for c in book["换届候选人"][2]] == ["状态", "人数（人）"]
        summary = {r[0]: r[1] for r in book["概况"].iter_rows(min_row=3, values_only=True)}
        assert summary["帮企解难（件）"] == sum(
            int(str(r[1]))
            for r in book["党建工作"].iter_rows(min_row=3, values_only=True)
            if r[0] == "帮企解难"
        )
        assert "商会（个）" in summary and "党员（人）" in summary
        if not query:
            assert int(str(summary["帮企解难（件）"])) >= 1  # the fixture's deed, counted


def test_a_bad_deed_is_refused_with_a_chinese_error(pages: SimpleNamespace) -> None:
    p = pages
    client = Client()
    client.force_login(p.chamber_admin)
    response = client.post(
        "/party/deeds/",
        {"chamber": p.chamber_a.pk, "kind": "donation", "title": "捐赠", "happened_on": "2026-02-01"},
    )
    assert response.status_code == 422 and "捐赠请填写金额" in response.content.decode()
    assert Deed.objects.count() == 1
    response = client.post(
        "/party/deeds/",
        {"chamber": p.chamber_b.pk, "kind": "study", "title": "学习", "happened_on": "2026-02-01"},
    )
    assert response.status_code == 422 and Deed.objects.count() == 1  # chamber B is not one of theirs


def test_the_party_pages_speak_english(pages: SimpleNamespace) -> None:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(p := pages.committee)
    for url, label in (("/party/", "Epidemic donations (yuan)"), ("/party/register/", "Three-together register"),
                       (f"/reviews/{pages.chain.pk}/", "Timeline"), ("/scorecards/rubrics/", "Rubrics")):  # fmt: skip
        html = client.get(url).content.decode()
        assert '<html lang="en">' in html and label in html, (url, p)


def test_the_five_step_settings_and_an_organisations_history(pages: SimpleNamespace) -> None:
    p = pages
    expect(
        p, "/party/five-step/", {"fed_admin": 200, "fed_staff": 403, "chamber_admin": 403, "outsider": 403}
    )
    client = Client()
    client.force_login(p.fed_admin)
    data = {"departments": [p.dept.pk, p.dept2.pk], **{f"days_{i}": 7 for i in range(5)}}
    assert client.post("/party/five-step/", data).status_code == 302
    steps = p.template.__class__.objects.get(pk=p.template.pk).steps
    assert steps[4]["departments"] == [p.dept.pk, p.dept2.pk] and {s["days"] for s in steps} == {7}
    # The chain already running keeps its three departments.
    assert p.chain.steps.get(index=4).answers.count() == 3
    assert client.post("/party/five-step/", {**data, "days_0": 0}).status_code == 422
    expect(
        p,
        f"/scorecards/orgs/{p.chamber_a.pk}/",
        {**dict.fromkeys(READERS, 200), **dict.fromkeys(OTHERS, 404)},
    )


def test_candidate_documents_and_card_evidence(pages: SimpleNamespace) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanghui.testing.cases import PDF

    p = pages
    head = Client()
    head.force_login(p.chamber_admin)
    bad = SimpleUploadedFile("简历.txt", b"not a pdf", content_type="application/pdf")
    assert head.post(f"/party/candidates/{p.candidate.pk}/documents/", {"file": bad}).status_code == 422
    assert not p.candidate.documents.exists()
    good = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    assert head.post(f"/party/candidates/{p.candidate.pk}/documents/", {"file": good}).status_code == 302
    document = p.candidate.documents.get()
    # A new document after the committee's review: the steps after the self-check run again.
    assert Chain.objects.get(pk=p.chain.pk).current == 1
    url = f"/party/candidates/{p.candidate.pk}/documents/{document.pk}/"
    codes = {"chamber_admin": 200, "auditor": 200, "dept_admin": 200, "chamber_admin_b": 404, "outsider": 404}
    expect(p, url, codes)
    assert AuditEntry.objects.filter(action="party.document.download").count() == 3
    outsider = Client()
    outsider.force_login(p.outsider)
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert (
        outsider.post(f"/party/candidates/{p.candidate.pk}/documents/", {"file": upload}).status_code == 404
    )

    ind = p.card.scores.first().indicator_id
    upload = SimpleUploadedFile("挂牌照片.pdf", PDF, content_type="application/pdf")
    assert (
        head.post(f"/scorecards/cards/{p.card.pk}/evidence/", {"indicator": ind, "file": upload}).status_code
        == 302
    )
    evidence = p.card.evidence_files.get()
    staff = Client()
    staff.force_login(p.fed_staff)
    upload = SimpleUploadedFile("y.pdf", PDF, content_type="application/pdf")
    assert (
        staff.post(f"/scorecards/cards/{p.card.pk}/evidence/", {"indicator": ind, "file": upload}).status_code
        == 403
    )
    assert p.card.evidence_files.count() == 1
    assert staff.get(f"/scorecards/cards/{p.card.pk}/evidence/{evidence.pk}/").status_code == 200
    assert get_as(p, "outsider", f"/scorecards/cards/{p.card.pk}/evidence/{evidence.pk}/").status_code == 404
