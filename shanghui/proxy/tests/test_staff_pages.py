"""The staff pages of proxy cases, driven the way agents, clerks and supervisors use them: who gets
what (the access matrix), actions with conflicts and Chinese validation messages, intake, materials,
file downloads, the list with its filters, queues and Excel export, and bad-rating follow-ups."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.accounts.models import User
from shanghui.audit.models import AuditEntry
from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import make_org
from shanghui.proxy import services
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, FollowUp, Status
from shanghui.proxy.workflow import AGENT, APPLICANT, CLERK
from shanghui.testing.cases import PDF, pdf_upload
from shanghui.testing.personas import person

HTMX = {"HX-Request": "true"}


@pytest.fixture
def staff(pw: SimpleNamespace) -> SimpleNamespace:
    """`pw` plus a clerk of another window of the same department (龙游县) and a helper that makes a
    case forwarded to 柯城区's window."""
    pw.window_b = make_org(OrgKind.WINDOW, "龙游县公安窗口", pw.dept, region_code="330825")
    pw.other_clerk = person("other_clerk", (pw.window_b, Role.WINDOW_CLERK))

    def forwarded() -> Case:
        return pw.case_in("forwarded")

    pw.forwarded = forwarded
    return pw


def _act(client: Client, case: Case, action: str, expected: str | None = None, **data: Any) -> Any:
    payload = {"expected_status": expected or case.status, **data}
    return client.post(reverse("proxy:act", args=[case.pk, action]), payload)


def _text(response: Any) -> str:
    return response.content.decode()


# --- The access matrix ----------------------------------------------------------------------------
# A case of 上海代办点 (chamber A, under the city) forwarded to 柯城区公安窗口, with one material.
# Columns:
#   list    GET  /cases/                      xlsx  GET /cases/?export=xlsx
#   detail  GET  /cases/<id>/                 act   POST /cases/<id>/act/accept/ (a clerk's action)
#   file    GET  /cases/<id>/files/<m>/       reveal POST /cases/<id>/reveal/
#   stats   GET  /cases/stats/                sxlsx GET /cases/stats/?export=xlsx
#   new     GET  /cases/new/                  fups  GET /cases/followups/
#   inbox   GET  /notifications/
# ok: a POST that did its work and redirected to the case page.
MATRIX = """
persona          list  xlsx  detail act   file  reveal stats sxlsx new   fups  inbox
anonymous        login login login  login login login  login login login login login
fed_admin        200   200   200    403   403   403    200   200   403   200   200
fed_staff        200   200   200    403   403   403    200   200   403   200   200
county_admin     200   200   404    404   404   404    200   200   403   200   200
chamber_admin    200   200   200    403   403   403    200   200   403   200   200
chamber_staff    200   200   200    403   403   403    200   200   403   200   200
agent            200   200   200    403   200   200    200   200   200   200   200
chamber_admin_b  200   200   404    404   404   404    200   200   403   200   200
agent_b          200   200   404    404   404   404    200   200   200   200   200
dept_admin       200   200   200    403   403   403    200   200   403   200   200
clerk            200   200   200    ok    200   200    200   200   403   200   200
other_clerk      200   200   404    404   404   404    200   200   403   200   200
mediator         403   403   404    404   404   404    403   403   403   403   200
lecturer         403   403   404    404   404   404    403   403   403   403   200
party_officer    403   403   404    404   404   404    403   403   403   403   200
auditor          200   200   200    403   403   403    200   200   403   200   200
outsider         403   403   404    404   404   404    403   403   403   403   200
"""


def _parse(table: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line.split() for line in table.strip().splitlines()]
    columns = lines[0][1:]
    return columns, {row[0]: dict(zip(columns, row[1:], strict=True)) for row in lines[1:]}


COLUMNS, EXPECTED = _parse(MATRIX)
CELLS = [(persona, column, EXPECTED[persona][column]) for persona in EXPECTED for column in COLUMNS]


def _request(client: Client, case: Case, material: CaseMaterial, column: str) -> Any:
    gets = {
        "list": reverse("proxy:list"),
        "xlsx": reverse("proxy:list") + "?export=xlsx",
        "detail": reverse("proxy:detail", args=[case.pk]),
        "file": reverse("proxy:file", args=[case.pk, material.pk]),
        "stats": reverse("proxy:stats"),
        "sxlsx": reverse("proxy:stats") + "?export=xlsx",
        "new": reverse("proxy:create"),
        "fups": reverse("proxy:followups"),
        "inbox": reverse("notify:inbox"),
    }
    if column in gets:
        return client.get(gets[column])
    if column == "act":
        return _act(client, case, "accept", acceptance_number="KC-2026-0001")
    return client.post(reverse("proxy:reveal", args=[case.pk]))


@pytest.mark.parametrize(("persona", "column", "expected"), CELLS, ids=[f"{p}-{c}" for p, c, _ in CELLS])
def test_access_matrix(
    client: Client, staff: SimpleNamespace, persona: str, column: str, expected: str
) -> None:
    # Given a case forwarded to 柯城区's window, and a persona (logged in, or not at all)
    case = staff.forwarded()
    material = case.materials.get()
    if persona != "anonymous":
        client.force_login(getattr(staff, persona))
    before = _fingerprint(case)

    # When they open the page (or post the form)
    response = _request(client, case, material, column)

    # Then they get exactly the answer in the matrix
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif expected == "ok":
        assert response.status_code == 302
        assert response["Location"] == reverse("proxy:detail", args=[case.pk])
    else:
        assert response.status_code == int(expected), _text(response)[:300] if column != "file" else ""
    # and a refused request changes nothing, not even the audit log.
    if expected in {"login", "403", "404"}:
        assert _fingerprint(case) == before


def _fingerprint(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (case.status, case.events.count(), AuditEntry.objects.filter(action="pii.reveal").count())


def test_matrix_names_every_persona_of_the_world(staff: SimpleNamespace) -> None:
    personas = {name for name, value in vars(staff).items() if isinstance(value, User)}
    assert personas | {"anonymous"} == set(EXPECTED)


def test_readers_see_no_action_forms_and_actors_see_theirs(client: Client, staff: SimpleNamespace) -> None:
    case = staff.forwarded()
    url = reverse("proxy:detail", args=[case.pk])

    client.force_login(staff.auditor)
    reader_page = _text(client.get(url))
    client.force_login(staff.clerk)
    clerk_page = _text(client.get(url))
    client.force_login(staff.agent)
    agent_page = _text(client.get(url))

    assert 'data-testid="no-actions"' in reader_page and "act-" not in reader_page
    assert 'data-testid="reveal-id-number"' not in reader_page
    assert 'data-testid="material-file"' not in reader_page  # ID card scans only for the case's staff
    for action in ("accept", "refuse", "window_correction"):
        assert f'data-testid="act-{action}"' in clerk_page
    assert 'data-testid="act-withdraw"' in agent_page and 'data-testid="act-accept"' not in agent_page
    # Personal data is masked everywhere on the page.
    assert "330802199003070017" not in clerk_page and "13800001234" not in clerk_page
    assert "330802********0017" in clerk_page and "138****1234" in clerk_page and "张*" in clerk_page


# --- Actions: conflicts and validation ---------------------------------------------------------------


def test_an_action_on_a_case_that_moved_on_is_a_409_and_changes_nothing(
    client: Client, staff: SimpleNamespace
) -> None:
    # Given the clerk's page showed the case as forwarded, and the agent withdrew it meanwhile
    case = staff.forwarded()
    staff.act(case, "withdraw", AGENT)
    events = case.events.count()
    client.force_login(staff.clerk)

    # When the clerk accepts from the stale page (plain form post, then htmx)
    response = _act(client, case, "accept", expected=Status.FORWARDED, acceptance_number="KC-1")
    htmx = client.post(
        reverse("proxy:act", args=[case.pk, "accept"]),
        {"expected_status": Status.FORWARDED, "acceptance_number": "KC-1"},
        headers=HTMX,
    )

    # Then both are refused with a clear message, and nothing changed
    assert response.status_code == 409
    assert "办件状态已变为“已撤回”，请刷新" in _text(response)
    assert 'data-testid="conflict-message"' in _text(response)
    assert htmx.status_code == 409
    assert 'id="action-accept"' in _text(htmx) and "办件状态已变为“已撤回”" in _text(htmx)
    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN and case.acceptance_number == ""
    assert case.events.count() == events


def test_the_same_status_changed_and_back_is_still_a_conflict_through_the_workflow(
    client: Client, staff: SimpleNamespace
) -> None:
    # A forward posted with a stale expected status (the page showed "draft") never runs.
    case = staff.submitted()
    client.force_login(staff.agent)

    response = _act(client, case, "forward", expected=Status.DRAFT, window=staff.window.pk)

    assert response.status_code == 409
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.window_id is None


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("accept", {}, "acceptance_number", "请填写受理编号"),
        ("refuse", {"reason": "  "}, "reason", "请填写不予受理的理由"),
        ("suspend", {}, "reason", "请填写中止原因"),
        ("window_correction", {"correction_items": "\n \n"}, "correction_items", "请逐条写明需要补正的内容"),
    ],
)
def test_a_clerks_action_without_its_input_shows_a_chinese_message_and_changes_nothing(
    client: Client, staff: SimpleNamespace, action: str, data: dict[str, str], field: str, message: str
) -> None:
    case = staff.forwarded()
    if action == "suspend":
        case = staff.act(case, "accept", CLERK, acceptance_number="A1")
    client.force_login(staff.clerk)

    page = _act(client, case, action, **data)
    htmx = client.post(
        reverse("proxy:act", args=[case.pk, action]), {"expected_status": case.status, **data}, headers=HTMX
    )

    assert page.status_code == 200 and message in _text(page)
    assert f'data-testid="error-{field}"' in _text(page)
    assert htmx.status_code == 422 and message in _text(htmx)
    status = case.status
    case.refresh_from_db()
    assert case.status == status


def test_completion_by_post_needs_a_tracking_number_and_keeps_no_result_file_when_refused(
    client: Client, staff: SimpleNamespace
) -> None:
    case = staff.case_in("accepted", params={"accept": {"acceptance_number": "A1"}})
    client.force_login(staff.clerk)

    response = _act(
        client,
        case,
        "complete",
        result="granted",
        delivery_method="post",
        result_file=pdf_upload("许可决定书.pdf"),
    )

    assert response.status_code == 200
    assert "邮寄送达请填写寄递单号" in _text(response)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert not case.materials.filter(is_result=True).exists()


def test_a_wrong_window_is_refused_by_the_form(client: Client, staff: SimpleNamespace) -> None:
    # 龙游's window of the same department is not the applicant's home county (柯城区).
    case = staff.submitted()
    client.force_login(staff.agent)

    response = _act(client, case, "forward", window=staff.window_b.pk)

    assert response.status_code == 200
    assert "请选择申请人户籍所在区县的受理窗口" in _text(response)
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_submitting_without_the_required_materials_names_what_is_missing(
    client: Client, staff: SimpleNamespace
) -> None:
    case = staff.new_case()
    client.force_login(staff.agent)

    response = _act(client, case, "submit")

    assert response.status_code == 200
    assert "请先上传必交材料：居民户口簿" in _text(response)
    case.refresh_from_db()
    assert case.status == Status.DRAFT


def test_posting_an_action_by_get_or_an_unknown_action_is_refused(
    client: Client, staff: SimpleNamespace
) -> None:
    case = staff.forwarded()
    client.force_login(staff.clerk)

    assert client.get(reverse("proxy:act", args=[case.pk, "accept"])).status_code == 405
    assert _act(client, case, "launch").status_code == 404


# --- The whole flow through the pages ---------------------------------------------------------------


def _intake_key(client: Client, item_id: int) -> str:
    response = client.get(reverse("proxy:create") + f"?item={item_id}")
    assert response.status_code == 200
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', _text(response))
    assert match, "the intake form carries a one-time key"
    return match.group(1)


def _intake_data(staff: SimpleNamespace, key: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "proxy_point": staff.point_a.pk, "item": staff.item.pk, "name": "李四", "id_number": "330802199003070017",
        "mobile": "13900005678", "home_region_code": "330802", "current_city": "上海",
        "current_address": "上海市静安区南京西路1号", "note": "急需办理", "poa_confirmed": "on", "idempotency_key": key,
    }  # fmt: skip
    data.update(overrides)
    return data


def test_an_agent_takes_a_case_in_and_a_clerk_completes_it_through_the_pages(
    client: Client, staff: SimpleNamespace
) -> None:
    agent, clerk = Client(), Client()
    agent.force_login(staff.agent)
    clerk.force_login(staff.clerk)

    # Intake: the form shows the power of attorney; a double click creates one case.
    intake = _text(agent.get(reverse("proxy:create") + f"?item={staff.item.pk}"))
    assert "本人自愿委托上海代办点的代办员" in intake and 'data-testid="poa-text"' in intake
    key = _intake_key(agent, staff.item.pk)
    first = agent.post(reverse("proxy:create"), _intake_data(staff, key))
    second = agent.post(reverse("proxy:create"), _intake_data(staff, key))
    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(reverse("proxy:detail", args=[case.pk]))
    assert second["Location"] == first["Location"]
    assert case.status == Status.DRAFT and case.applicant_name == "李四" and case.current_city == "上海"

    # Materials: upload the household register into its slot, then submit.
    detail = reverse("proxy:detail", args=[case.pk])
    assert 'data-testid="upload-form"' in _text(agent.get(detail))
    assert (
        agent.post(reverse("proxy:upload", args=[case.pk]), {"slot": 0, "file": pdf_upload()}).status_code
        == 302
    )
    assert _act(agent, case, "submit").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED

    # Pre-review: the agent marks the register as needing correction and asks for it.
    material = case.materials.get(slot=0, is_current=True)
    review = reverse("proxy:review", args=[case.pk, material.pk])
    refused = agent.post(review, {"review": "needs_correction", "note": ""})
    assert "请写明需要怎样补正" in _text(refused)
    assert agent.post(review, {"review": "needs_correction", "note": "首页不清晰"}).status_code == 302
    page = _text(agent.get(detail))
    assert "居民户口簿：首页不清晰" in page  # the correction form starts from the marked materials
    assert (
        _act(agent, case, "request_correction", correction_items="居民户口簿：首页不清晰").status_code == 302
    )
    case.refresh_from_db()
    assert case.status == Status.NEEDS_CORRECTION

    # Correction: a new upload and resubmission; then forward to the home county's window.
    agent.post(reverse("proxy:upload", args=[case.pk]), {"slot": 0, "file": pdf_upload("户口簿-重拍.pdf")})
    assert _act(agent, case, "resubmit").status_code == 302
    case.refresh_from_db()
    assert _act(agent, case, "forward", window=staff.window.pk, tracking_number="SF100").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.FORWARDED and case.window == staff.window

    # The window accepts and completes with a result document (htmx: a redirect header).
    assert _act(clerk, case, "accept", acceptance_number="KC-2026-0042").status_code == 302
    case.refresh_from_db()
    response = clerk.post(
        reverse("proxy:act", args=[case.pk, "complete"]),
        {
            "expected_status": Status.ACCEPTED,
            "result": "granted",
            "delivery_method": "post",
            "tracking_number": "EMS0001",
            "result_note": "已制证",
            "result_file": pdf_upload("身份证领取通知.pdf"),
        },  # fmt: skip
        headers=HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == detail
    case.refresh_from_db()
    assert case.status == Status.COMPLETED and case.result_tracking_number == "EMS0001"
    result = case.materials.get(is_result=True)

    # Both sides download the result through the checked view, never a media URL.
    for who in (agent, clerk):
        download = who.get(reverse("proxy:file", args=[case.pk, result.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
        assert download["Content-Type"] == "application/pdf"
    assert "/media/" not in _text(agent.get(detail))
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["create", "submit", "request_correction", "resubmit", "forward", "accept", "complete"]


def test_the_intake_form_says_what_is_wrong_in_chinese(client: Client, staff: SimpleNamespace) -> None:
    client.force_login(staff.agent)
    key = _intake_key(client, staff.item.pk)

    response = client.post(
        reverse("proxy:create"),
        _intake_data(
            staff,
            key,
            name="",
            id_number="330802199003070018",
            mobile="2390000",
            home_region_code="",
            poa_confirmed="",
        ),  # fmt: skip
    )

    html = _text(response)
    assert response.status_code == 200
    for message in (
        "请填写申请人姓名",
        "身份证号校验位不正确，请核对",
        "请输入有效的11位手机号码（以1开头）",
        "请选择户籍所在区县",
        "请阅读并确认委托书",
    ):
        assert message in html
    assert not Case.objects.exists()
    # The same key is kept, so the corrected form still creates one case.
    assert f'value="{key}"' in html


def test_intake_lists_only_the_items_the_point_offers_and_only_agents_may_open_it(
    client: Client, staff: SimpleNamespace
) -> None:
    from shanghui.catalog.tests.factories import make_item

    hidden = make_item(staff.dept, "不可代办的事项", proxy_eligible=False)
    client.force_login(staff.agent)

    listing = _text(client.get(reverse("proxy:create")))
    search = client.get(reverse("proxy:create") + "?q=身份证", headers=HTMX)
    chosen = client.get(reverse("proxy:create") + f"?item={hidden.pk}")

    assert "居民身份证办理（包括临时）" in listing and "不可代办的事项" not in listing
    assert search.status_code == 200 and "居民身份证办理" in _text(search)
    assert 'data-testid="intake-form"' not in _text(chosen)  # not offered: back to choosing
    client.force_login(staff.clerk)
    assert client.get(reverse("proxy:create")).status_code == 403


def test_an_upload_of_the_wrong_kind_is_refused_with_the_services_message(
    client: Client, staff: SimpleNamespace
) -> None:
    case = staff.new_case()
    client.force_login(staff.agent)

    wrong = client.post(
        reverse("proxy:upload", args=[case.pk]),
        {
            "slot": 0,
            "file": SimpleUploadedFile("户口簿.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        },
    )
    empty = client.post(
        reverse("proxy:upload", args=[case.pk]), {"slot": 0, "file": SimpleUploadedFile("空.pdf", b"")}
    )

    assert wrong.status_code == 422 and "只能上传 JPG、PNG、WebP 图片或 PDF 文件" in _text(wrong)
    assert 'data-testid="upload-error"' in _text(wrong)
    assert "文件是空的，请重新选择" in _text(empty)
    assert not case.materials.exists()


def test_only_the_cases_agents_upload_and_review(client: Client, staff: SimpleNamespace) -> None:
    case = staff.submitted()
    material = case.materials.get()
    client.force_login(staff.chamber_admin)

    upload = client.post(reverse("proxy:upload", args=[case.pk]), {"slot": 1, "file": pdf_upload()})
    review = client.post(reverse("proxy:review", args=[case.pk, material.pk]), {"review": "accepted"})

    assert upload.status_code == review.status_code == 403
    material.refresh_from_db()
    assert material.review == CaseMaterial.Review.PENDING and case.materials.count() == 1


def test_revealing_the_id_number_is_audited(client: Client, staff: SimpleNamespace) -> None:
    case = staff.forwarded()
    client.force_login(staff.clerk)

    response = client.post(reverse("proxy:reveal", args=[case.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "330802199003070017" in _text(response)
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert (
        entry.actor_id == staff.clerk.pk
        and entry.object_type == "proxy.case"
        and entry.object_id == str(case.pk)
    )
    assert "330802199003070017" not in str(entry.detail)


def test_a_file_of_another_case_is_not_found(client: Client, staff: SimpleNamespace) -> None:
    mine, other = staff.submitted(), staff.submitted()
    client.force_login(staff.agent)

    response = client.get(reverse("proxy:file", args=[mine.pk, other.materials.get().pk]))

    assert response.status_code == 404


# --- The list: filters, search, queues, export, queries -------------------------------------------------


def _case_at(staff: SimpleNamespace, status: str, **applicant: Any) -> Case:
    if applicant:
        staff.applicant = services.Applicant(**{**vars(staff.applicant), **applicant})
    case = staff.submitted()
    if status == Status.NEEDS_CORRECTION:
        return staff.act(case, "request_correction", AGENT, correction_items=["照片不清晰"])
    if status in (Status.FORWARDED, Status.ACCEPTED):
        case = staff.act(case, "forward", AGENT, window=staff.window)
    if status == Status.ACCEPTED:
        case = staff.act(case, "accept", CLERK, acceptance_number="A")
    return case


def _listed(client: Client, query: str = "") -> list[int]:
    response = client.get(reverse("proxy:list") + query)
    assert response.status_code == 200
    return [case.pk for case, _label, _css in response.context["rows"]]


def test_the_list_filters_and_searches_without_showing_full_numbers(
    client: Client, staff: SimpleNamespace
) -> None:
    zhang = _case_at(staff, Status.SUBMITTED)
    wang = _case_at(staff, Status.FORWARDED, name="王五", mobile="13700009876")
    client.force_login(staff.chamber_admin)

    assert set(_listed(client)) == {zhang.pk, wang.pk}
    assert _listed(client, "?status=forwarded") == [wang.pk]
    assert _listed(client, "?q=王五") == [wang.pk]
    assert _listed(client, "?q=9876") == [wang.pk]
    assert _listed(client, f"?q={zhang.number}") == [zhang.pk]
    assert _listed(client, "?q=王") == []  # a name is matched exactly, never by a fragment
    assert _listed(client, f"?window={staff.window.pk}") == [wang.pk]
    assert _listed(client, f"?department={staff.dept.pk}&item=身份证") == [wang.pk, zhang.pk]
    assert _listed(client, f"?chamber={staff.chamber_a.pk}&point={staff.point_a.pk}") == [wang.pk, zhang.pk]
    today = timezone.localdate().isoformat()
    assert set(_listed(client, f"?created_from={today}&created_to={today}")) == {zhang.pk, wang.pk}
    assert _listed(client, "?created_from=2020-01-01&created_to=2020-01-31") == []
    html = _text(client.get(reverse("proxy:list")))
    assert "13700009876" not in html and "137****9876" in html and "王*" in html


def test_overdue_means_a_running_clock_past_its_due_time(client: Client, staff: SimpleNamespace) -> None:
    # Given a forwarded case past its acceptance time, one due in three hours, one due in two working
    # days, and one past its review time but waiting for the citizen's correction (clock paused)
    late = _case_at(staff, Status.FORWARDED)
    soon = _case_at(staff, Status.FORWARDED)
    _case_at(staff, Status.FORWARDED)
    paused = _case_at(staff, Status.NEEDS_CORRECTION)
    now = timezone.now()
    Case.objects.filter(pk__in=[late.pk, paused.pk]).update(
        acceptance_due_at=now - dt.timedelta(hours=1), review_due_at=now - dt.timedelta(hours=1)
    )
    Case.objects.filter(pk=soon.pk).update(acceptance_due_at=now + dt.timedelta(hours=3))
    client.force_login(staff.clerk)

    assert _listed(client, "?overdue=on") == [late.pk]
    assert _listed(client, "?queue=overdue") == [late.pk]
    assert _listed(client, "?queue=due_soon") == [soon.pk]
    html = _text(client.get(reverse("proxy:list")))
    assert 'data-testid="case-clock">已超期' in html


def test_queues_per_role(client: Client, staff: SimpleNamespace) -> None:
    submitted = _case_at(staff, Status.SUBMITTED)
    correction = _case_at(staff, Status.NEEDS_CORRECTION)
    forwarded = _case_at(staff, Status.FORWARDED)
    accepted = _case_at(staff, Status.ACCEPTED)

    client.force_login(staff.agent)
    assert _listed(client, "?queue=review") == [submitted.pk]
    assert _listed(client, "?queue=correction") == [correction.pk]
    agent_tabs = [q.key for q, _n in client.get(reverse("proxy:list")).context["queues"]]
    client.force_login(staff.clerk)
    assert _listed(client, "?queue=incoming") == [forwarded.pk]
    assert _listed(client, "?queue=processing") == [accepted.pk]
    clerk_tabs = [q.key for q, _n in client.get(reverse("proxy:list")).context["queues"]]
    client.force_login(staff.fed_admin)
    counts = {q.key: n for q, n in client.get(reverse("proxy:list")).context["queues"]}

    assert agent_tabs == ["all", "review", "correction", "due_soon", "overdue"]
    assert clerk_tabs == ["all", "incoming", "processing", "due_soon", "overdue"]
    assert counts["all"] == 4 and counts["open"] == 4 and counts["overdue"] == 0


def test_the_export_is_masked_and_audited(client: Client, staff: SimpleNamespace) -> None:
    case = _case_at(staff, Status.FORWARDED)
    _case_at(staff, Status.SUBMITTED)
    client.force_login(staff.dept_admin)

    response = client.get(reverse("proxy:list") + "?export=xlsx&status=forwarded&q=张三")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet is not None
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert "状态：已转递" in str(title[0]) and "含搜索条件" in str(title[0])  # what the file holds
    assert "张三" not in str(title[0])  # never the search text (a name)
    assert sheet.freeze_panes == "A3"
    assert rows[0][:3] == ("办件编号", "事项", "受理部门")
    assert len(rows) == 2
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert exported["办件编号"] == case.number and exported["受理窗口"] == "柯城区公安窗口"
    assert exported["申请人"] == "张*" and exported["手机号"] == "138****1234"
    assert "330802199003070017" not in str(rows) and "13800001234" not in str(rows)
    entry = AuditEntry.objects.get(action="case.export")
    assert entry.actor_id == staff.dept_admin.pk
    assert entry.detail["rows"] == 1 and entry.detail["search"] is True
    assert entry.detail["filters"]["status"] == "forwarded" and "张三" not in str(entry.detail)


def _make_cases(staff: SimpleNamespace, n: int) -> None:
    for i in range(n):
        case = staff.new_case()
        if i % 3:
            services.add_material(case=case, actor=staff.agent, upload=pdf_upload(), slot=0)
            case = staff.act(case, "submit", APPLICANT)
        if i % 3 == 2:
            staff.act(case, "forward", AGENT, window=staff.window)


@pytest.mark.parametrize("persona", ["fed_admin", "agent", "clerk"])
def test_the_list_and_its_export_cost_the_same_queries_for_5_and_50_cases(
    client: Client, staff: SimpleNamespace, persona: str, django_assert_max_num_queries: Any
) -> None:
    client.force_login(getattr(staff, persona))
    list_url = reverse("proxy:list") + "?item=身份证&overdue="
    counts = {}
    for total, more in ((5, 5), (50, 45)):
        # Given `total` cases in draft, submitted and forwarded
        _make_cases(staff, more)
        client.get(list_url)

        # When the list and its export are opened
        with CaptureQueriesContext(connection) as page:
            response = client.get(list_url)
        with CaptureQueriesContext(connection) as export:
            assert client.get(reverse("proxy:list") + "?export=xlsx").status_code == 200
        counts[total] = (len(page), len(export))
        assert response.status_code == 200

    # Then the number of queries does not depend on the number of cases
    assert counts[5] == counts[50]
    if persona == "fed_admin":
        assert response.context["page"].paginator.count == 50
    with django_assert_max_num_queries(10):
        client.get(reverse("proxy:list") + "?queue=overdue")


@pytest.mark.parametrize("persona", ["fed_admin", "agent", "clerk", "dept_admin"])
def test_the_filters_offer_the_same_organisations_from_the_summaries_as_from_the_cases(
    staff: SimpleNamespace, persona: str
) -> None:
    from shanghui.proxy import queries
    from shanghui.proxy.access import cases_for_user
    from shanghui.proxy.forms import CaseFilterForm

    _make_cases(staff, 6)
    user = getattr(staff, persona)
    summary = queries.summary_for(user)
    assert summary is not None  # one organisation's summaries are each persona's scope

    def choices(form: CaseFilterForm) -> dict[str, list[Any]]:
        names = ("department", "chamber", "point", "window")
        return {name: list(getattr(form.fields[name], "choices", [])) for name in names}

    scope = cases_for_user(user)
    counted = choices(CaseFilterForm({}, cases=scope))
    summed = choices(CaseFilterForm({}, cases=scope, named=summary.organisations()))
    assert {k: v for k, v in summed.items() if k != "window"} == {
        k: v for k, v in counted.items() if k != "window"
    }
    # Windows: those of the departments named, a superset of the windows that hold cases.
    assert set(counted["window"]) <= set(summed["window"])
    # And the summaries count the cases by status as the cases themselves do.
    assert {status: n for status, n in summary.statuses.items() if n} == _by_status(scope)


def _by_status(cases: Any) -> dict[str, int]:
    from django.db.models import Count

    return dict(cases.order_by().values_list("status").annotate(n=Count("pk")))


# --- Follow-ups -------------------------------------------------------------------------------------------


@pytest.fixture
def bad_rating(staff: SimpleNamespace) -> FollowUp:
    case = staff.case_in(
        "delivered", params={"accept": {"acceptance_number": "A1"}}, by={"deliver": APPLICANT}
    )
    rating = services.rate_case(case=case, level=1, comment="窗口态度差")
    return FollowUp.objects.get(rating=rating)


def test_the_responsible_window_answers_and_a_supervisor_closes(
    client: Client, staff: SimpleNamespace, bad_rating: FollowUp
) -> None:
    url = reverse("proxy:followups")
    client.force_login(staff.clerk)
    page = _text(client.get(url))
    assert "窗口态度差" in page and 'data-testid="follow-up-answer"' in page
    assert 'data-testid="follow-up-close"' not in page

    # The agent of the point is not the responsible side of a window's bad rating; nor is a reader.
    for outsider_of_the_move in (staff.agent, staff.auditor):
        client.force_login(outsider_of_the_move)
        response = client.post(reverse("proxy:followup_move", args=[bad_rating.pk, "answer"]), {"text": "x"})
        assert response.status_code == 403

    client.force_login(staff.clerk)
    empty = client.post(
        reverse("proxy:followup_move", args=[bad_rating.pk, "answer"]), {"text": ""}, follow=True
    )
    assert "请填写内容" in _text(empty)
    client.post(
        reverse("proxy:followup_move", args=[bad_rating.pk, "answer"]), {"text": "已约谈窗口人员并整改"}
    )
    bad_rating.refresh_from_db()
    assert bad_rating.state == FollowUp.State.ANSWERED

    client.force_login(staff.dept_admin)
    assert 'data-testid="follow-up-close"' in _text(client.get(url))
    response = client.post(
        reverse("proxy:followup_move", args=[bad_rating.pk, "close"]), {"text": "同意", "next": "case"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("proxy:detail", args=[bad_rating.rating.case_id])
    bad_rating.refresh_from_db()
    assert bad_rating.state == FollowUp.State.CLOSED
    assert AuditEntry.objects.filter(action="followup.close", actor_id=staff.dept_admin.pk).exists()

    client.force_login(staff.agent_b)
    assert client.post(reverse("proxy:followup_move", args=[bad_rating.pk, "reopen"])).status_code == 404


def test_the_follow_up_list_filters_by_state(
    client: Client, staff: SimpleNamespace, bad_rating: FollowUp
) -> None:
    client.force_login(staff.fed_admin)

    pending = client.get(reverse("proxy:followups"))
    closed = client.get(reverse("proxy:followups") + "?state=closed")

    assert [r["follow_up"].pk for r in pending.context["rows"]] == [bad_rating.pk]
    assert closed.context["rows"] == []


def test_the_case_page_shows_the_rating_and_its_follow_up(
    client: Client, staff: SimpleNamespace, bad_rating: FollowUp
) -> None:
    client.force_login(staff.clerk)

    html = _text(client.get(reverse("proxy:detail", args=[bad_rating.rating.case_id])))

    assert 'data-testid="rating-level">非常不满意' in html
    assert 'data-testid="follow-up-state">待整改' in html
    assert 'data-testid="follow-up-answer"' in html
    events = list(
        CaseEvent.objects.filter(case_id=bad_rating.rating.case_id).values_list("action", flat=True)
    )
    assert events[-1] == "rate"
