"""The citizen's pages under /my/: log in by code, apply, upload, submit, correct, withdraw, confirm
delivery and rate; always only their own cases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts import citizen
from shanghui.accounts.citizen import CITIZEN_SESSION_KEY
from shanghui.audit.models import AuditEntry
from shanghui.catalog.services import update_item
from shanghui.notify.sms import ConsoleSmsBackend
from shanghui.proxy import citizen_views, services
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Channel, Rating, Status
from shanghui.proxy.workflow import AGENT, CLERK
from shanghui.testing.cases import PDF, PNG, pdf_upload
from shanghui.testing.sms import SmsOutbox

MOBILE = "13800001234"  # the pw fixture's applicant
OTHER = "13900005678"


# What the console SMS backend sent (the test kit empties it before each test).
sms = SmsOutbox()


def as_citizen(client: Client, mobile: str = MOBILE) -> Client:
    """A client whose session holds a number proved just now (as citizen.sign_in leaves it)."""
    session = client.session
    session[CITIZEN_SESSION_KEY] = mobile
    session[citizen.VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()
    return client


def citizen_case(pw: Any, mobile: str = MOBILE, **kw: Any) -> Case:
    applicant = services.Applicant(**{**pw.applicant.__dict__, "mobile": mobile})
    options: dict[str, Any] = {"actor": None, "channel": Channel.CITIZEN, "applicant": applicant, **kw}
    return pw.new_case(**options)


def apply_data(pw: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "proxy_point": pw.point_a.pk, "name": "张三", "id_number": "330802199003070017", "home_region_code": "330802",
        "current_city": "上海", "current_address": "上海市浦东新区世纪大道100号", "note": "",
        "poa_confirmed": "on", "idempotency_key": "f" * 32,
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def upload(client: Client, case: Case, slot: int | None, file: SimpleUploadedFile, **headers: Any) -> Any:
    url = (
        reverse("citizen:upload_extra", args=[case.pk])
        if slot is None
        else reverse("citizen:upload", args=[case.pk, slot])
    )
    return client.post(url, {"file": file}, **headers)


def act(client: Client, case: Case, action: str, expected: str | None = None, **headers: Any) -> Any:
    case.refresh_from_db()
    return client.post(
        reverse("citizen:act", args=[case.pk, action]),
        {"expected_status": expected if expected is not None else case.status},
        **headers,
    )


HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/my/"}


# --- Logging in with a code ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/my/", "/my/cases/1/", "/my/apply/?item=1", "/my/cases/1/receipt.pdf"])
def test_anonymous_visitors_are_sent_to_the_code_page_and_back(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/my/login/?next={path.replace('/', '%2F').replace('?', '%3F').replace('=', '%3D')}"
    )


def test_an_anonymous_htmx_post_is_redirected_by_header(client, db):
    response = client.post("/my/cases/1/act/submit/", {"expected_status": "draft"}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/my/login/?next=%2Fmy%2F"


def test_a_citizen_logs_in_with_a_code_and_returns_to_where_they_were(client, pw):
    next_url = f"/my/apply/?item={pw.item.pk}"
    page = client.get("/my/login/", {"next": next_url})
    assert 'name="mobile"' in page.content.decode()

    sent = client.post("/my/login/", {"step": "send", "mobile": "138 0000 1234", "next": next_url})
    assert sent.status_code == 200
    html = sent.content.decode()
    assert "验证码已发送至 138****1234" in html and 'name="code"' in html
    code = sms.last_code()
    before = client.session.session_key

    wrong = client.post("/my/login/", {"step": "verify", "mobile": MOBILE, "code": "12345", "next": next_url})
    assert wrong.status_code == 422 and "验证码错误" in wrong.content.decode()

    done = client.post("/my/login/", {"step": "verify", "mobile": MOBILE, "code": code, "next": next_url})
    assert done.status_code == 302 and done["Location"] == next_url
    assert client.session[CITIZEN_SESSION_KEY] == MOBILE
    assert client.session.session_key != before  # a new session key at login
    assert AuditEntry.objects.filter(action="citizen.login", object_repr="138****1234").exists()
    assert client.get(next_url).status_code == 200


def test_a_second_code_within_the_minute_is_refused_in_chinese(client, db):
    client.post("/my/login/", {"step": "send", "mobile": MOBILE})
    # Another browser (no pending code in its session) asking for the same number within the minute.
    again = Client().post("/my/login/", {"step": "send", "mobile": MOBILE})
    assert again.status_code == 422
    assert "验证码发送过于频繁，请60秒后再试" in again.content.decode()
    assert len(sms) == 1


def test_the_code_step_survives_a_reload_and_a_second_tap(client, db):
    client.post("/my/login/", {"step": "send", "mobile": MOBILE, "next": "/my/"})
    # Back on the login page (a reload, a return from the SMS app): the code field, the wait left.
    back = client.get("/my/login/", {"next": "/my/"})
    html = back.content.decode()
    assert back.status_code == 200 and 'name="code"' in html and "验证码已发送至 138****1234" in html
    wait = int(re.search(r'data-countdown="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert 50 <= wait <= 60
    # Asking again for the same number within the minute: the same step, no refusal, no second SMS.
    again = client.post("/my/login/", {"step": "send", "mobile": MOBILE})
    assert again.status_code == 200 and 'name="code"' in again.content.decode()
    assert "过于频繁" not in again.content.decode()
    assert len(ConsoleSmsBackend.outbox) == 1
    # The code from the first SMS still works.
    code = ConsoleSmsBackend.outbox[-1]["params"]["code"]
    done = client.post("/my/login/", {"step": "verify", "mobile": MOBILE, "code": code, "next": "/my/"})
    assert done.status_code == 302
    assert citizen_views.PENDING_KEY not in client.session


def test_another_number_or_an_expired_code_goes_back_to_the_number(client, db):
    client.post("/my/login/", {"step": "send", "mobile": MOBILE})
    assert 'name="mobile"' in client.get("/my/login/", {"change": "1"}).content.decode()
    assert 'name="code"' not in client.get("/my/login/").content.decode()  # the mark is gone
    client2 = Client()
    client2.post("/my/login/", {"step": "send", "mobile": OTHER})
    session = client2.session
    session[citizen_views.PENDING_KEY]["until"] = int(timezone.now().timestamp()) - 1
    session.save()
    html = client2.get("/my/login/").content.decode()
    assert 'name="code"' not in html and 'name="mobile"' in html


def test_codes_asked_for_many_numbers_from_one_address_are_limited(client, db, monkeypatch):
    from shanghui.proxy import citizen_views

    monkeypatch.setattr(citizen_views, "CODE_REQUESTS_PER_HOUR", 2)
    for n in range(2):
        assert client.post("/my/login/", {"step": "send", "mobile": f"1380000000{n}"}).status_code == 200
    refused = client.post("/my/login/", {"step": "send", "mobile": "13800000009"})
    assert refused.status_code == 422 and "获取验证码过于频繁" in refused.content.decode()
    assert len(sms) == 2


def test_an_invalid_number_gets_a_clear_error(client, db):
    response = client.post("/my/login/", {"step": "send", "mobile": "12345"})
    assert response.status_code == 422 and "请输入有效的11位手机号码" in response.content.decode()


def test_next_must_stay_on_this_site(client, db):
    client.post("/my/login/", {"step": "send", "mobile": MOBILE})
    code = sms.last_code()
    done = client.post(
        "/my/login/", {"step": "verify", "mobile": MOBILE, "code": code, "next": "https://evil.example/"}
    )
    assert done["Location"] == "/my/"


def test_the_citizen_session_expires(client, pw, clock):
    as_citizen(client)
    assert client.get("/my/").status_code == 200
    clock.advance(seconds=citizen.SESSION_SECONDS + 1)
    assert client.get("/my/").status_code == 302
    assert CITIZEN_SESSION_KEY not in client.session


def test_logout_forgets_the_number(client, db):
    as_citizen(client)
    client.post("/my/logout/")
    assert client.get("/my/").status_code == 302


# --- My cases and isolation --------------------------------------------------------------------------


def test_my_cases_lists_only_the_cases_of_my_number(client, pw):
    mine = citizen_case(pw)
    theirs = citizen_case(pw, mobile=OTHER)
    html = as_citizen(client).get("/my/").content.decode()
    assert mine.number in html and theirs.number not in html


def test_another_numbers_case_is_not_found_on_any_citizen_url(client, pw):
    theirs = citizen_case(pw, mobile=OTHER)
    services.add_material(case=theirs, actor=None, upload=pdf_upload(), slot=0)
    material = theirs.materials.get()
    as_citizen(client)
    pk = theirs.pk
    assert client.get(f"/my/cases/{pk}/").status_code == 404
    assert client.get(f"/my/cases/{pk}/receipt.pdf").status_code == 404
    assert client.get(f"/my/cases/{pk}/files/{material.pk}/").status_code == 404
    assert upload(client, theirs, 0, pdf_upload()).status_code == 404
    assert act(client, theirs, "withdraw").status_code == 404
    assert client.post(f"/my/cases/{pk}/rate/", {"level": 5}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT and theirs.materials.count() == 1


def test_a_staff_login_does_not_open_citizen_pages(client, pw):
    citizen_case(pw)
    client.force_login(pw.agent)
    assert client.get("/my/").status_code == 302


# --- Applying ----------------------------------------------------------------------------------------


def test_the_apply_page_offers_the_points_that_take_the_item_and_the_home_counties(client, pw):
    html = as_citizen(client).get(f"/my/apply/?item={pw.item.pk}").content.decode()
    assert "衢州在上海商会" in html and "上海代办点" in html
    assert "龙游在杭州商会" in html  # also takes every proxy-eligible item of the city
    assert (
        '<option value="330802">柯城区</option>' in html and '<option value="330825">龙游县</option>' in html
    )
    assert MOBILE in html and 'name="mobile"' not in html  # shown, not editable
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
    assert "委托书" in html


def test_applying_creates_a_draft_case_for_the_verified_number(client, pw):
    as_citizen(client)
    response = client.post(
        f"/my/apply/?item={pw.item.pk}", {**apply_data(pw), "mobile": OTHER}
    )  # a posted number is ignored
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/cases/{case.pk}/"
    assert case.status == Status.DRAFT and case.channel == Channel.CITIZEN and case.created_by is None
    assert case.applicant_mobile == MOBILE and case.proxy_point == pw.point_a
    assert case.poa_confirmed_at is not None and case.item_version.number == 1
    assert CaseEvent.objects.get(case=case).actor_kind == "applicant"


def test_a_double_click_creates_one_case(client, pw):
    as_citizen(client)
    first = client.post(f"/my/apply/?item={pw.item.pk}", apply_data(pw))
    second = client.post(f"/my/apply/?item={pw.item.pk}", apply_data(pw))
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_someone_elses_form_key_reveals_nothing(client, pw):
    as_citizen(client, OTHER)
    client.post(f"/my/apply/?item={pw.item.pk}", apply_data(pw))
    as_citizen(client, MOBILE)
    response = client.post(f"/my/apply/?item={pw.item.pk}", apply_data(pw))
    assert response.status_code == 404 and Case.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "330802199003070018"}, "id_number", "身份证"),
        ({"poa_confirmed": None}, "poa_confirmed", "请阅读并确认委托书"),
        ({"name": ""}, "name", "请填写申请人姓名"),
        ({"home_region_code": "110101"}, "home_region_code", "请选择户籍所在区县"),
        ({"proxy_point": 999999}, "proxy_point", "请选择一个代办点"),
    ],
)
def test_bad_applications_are_refused_on_the_field_and_create_nothing(client, pw, overrides, field, message):
    as_citizen(client)
    response = client.post(f"/my/apply/?item={pw.item.pk}", apply_data(pw, **overrides))
    assert response.status_code == 422
    errors = re.findall(rf'data-testid="error-{field}">([^<]*)<', response.content.decode())
    assert errors and message in errors[0]
    assert not Case.objects.exists()


def test_an_item_that_cannot_be_proxied_has_no_apply_page(client, pw):
    update_item(actor=None, item=pw.item, proxy_eligible=False)
    assert as_citizen(client).get(f"/my/apply/?item={pw.item.pk}").status_code == 404
    assert client.get("/my/apply/?item=abc").status_code == 404


# --- Materials -----------------------------------------------------------------------------------------


def test_the_case_page_lists_a_slot_per_material_of_the_pinned_version(client, pw):
    case = citizen_case(pw)
    html = as_citizen(client).get(f"/my/cases/{case.pk}/").content.decode()
    assert html.count('data-testid="slot"') == 4  # three materials and the extra files
    assert 'accept="image/*,application/pdf"' in html and 'capture="environment"' in html
    assert case.number in html and case.query_code in html


def test_uploading_a_pdf_fills_the_slot(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    response = upload(client, case, 0, pdf_upload("户口簿.pdf"), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "户口簿.pdf" in html and "已上传" in html
    material = CaseMaterial.objects.get(case=case)
    assert material.slot == 0 and material.uploaded_by is None and material.content_type == "application/pdf"
    assert client.get(f"/my/cases/{case.pk}/files/{material.pk}/").getvalue() == PDF


def test_an_image_goes_to_the_extra_files(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    assert upload(client, case, None, SimpleUploadedFile("x.png", PNG)).status_code == 302
    assert CaseMaterial.objects.get(case=case).slot is None


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            SimpleUploadedFile("户口簿.pdf", b"just some text, not a PDF"),
            "只能上传 JPG、PNG、WebP 图片或 PDF 文件",
        ),
        (SimpleUploadedFile("empty.pdf", b""), "文件是空的"),
        (SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024)), "文件超过 1 MB"),
    ],
    ids=["wrong-type", "empty", "oversize"],
)
def test_bad_uploads_are_refused_with_a_clear_message(client, pw, settings, file, message):
    settings.PROXY_MAX_UPLOAD_MB = 1
    case = citizen_case(pw)
    as_citizen(client)
    response = upload(client, case, 0, file, **HTMX)
    assert response.status_code == 422
    assert re.search(rf'data-testid="upload-error">[^<]*{re.escape(message)}', response.content.decode())
    assert not CaseMaterial.objects.exists()
    # Without htmx, the full page with the same message.
    plain = upload(client, case, 0, SimpleUploadedFile(file.name, b""))
    assert plain.status_code == 422 and "<html" in plain.content.decode()


def test_an_upload_without_a_file_says_so(client, pw):
    case = citizen_case(pw)
    response = as_citizen(client).post(reverse("citizen:upload", args=[case.pk, 0]), {}, **HTMX)
    assert response.status_code == 422 and "请选择要上传的文件" in response.content.decode()


# --- Submitting, correcting, withdrawing ------------------------------------------------------------


def test_submitting_needs_the_required_materials(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    refused = act(client, case, "submit", **HTMX)
    assert refused.status_code == 422 and "还缺少必需的材料：居民户口簿" in refused.content.decode()
    upload(client, case, 0, pdf_upload())
    done = act(client, case, "submit", **HTMX)
    assert done.status_code == 200 and "申请已提交" in done.content.decode()
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.review_due_at is not None
    assert CaseEvent.objects.filter(case=case, action="submit", actor_kind="applicant", actor=None).exists()


def test_a_stale_page_gets_a_conflict_and_changes_nothing(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    upload(client, case, 0, pdf_upload())
    pw.act(case, "submit", AGENT)  # the agent submitted it meanwhile
    events = CaseEvent.objects.filter(case=case).count()
    response = act(client, case, "withdraw", expected="draft", **HTMX)
    assert response.status_code == 409
    assert "办件状态已变为“待预审”" in response.content.decode()
    plain = act(client, case, "withdraw", expected="draft")
    assert plain.status_code == 409 and "办件状态已变为" in plain.content.decode()
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and CaseEvent.objects.filter(case=case).count() == events


def test_a_correction_round(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    upload(client, case, 0, pdf_upload())
    act(client, case, "submit")
    pw.act(case, "request_correction", AGENT, correction_items=["户口簿首页不清晰，请重新拍摄"])
    html = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "户口簿首页不清晰，请重新拍摄" in html and 'data-testid="action-resubmit"' in html

    upload(client, case, 0, pdf_upload("户口簿-清晰.pdf"))
    assert act(client, case, "resubmit").status_code == 302
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.correction_items == []
    current = case.materials.get(is_current=True)
    assert current.original_name == "户口簿-清晰.pdf" and case.materials.count() == 2


def test_withdrawing_is_possible_before_acceptance_only(client, pw):
    early = citizen_case(pw)
    as_citizen(client)
    html = client.get(f"/my/cases/{early.pk}/").content.decode()
    assert 'hx-confirm="确定撤回' in html
    assert act(client, early, "withdraw").status_code == 302
    early.refresh_from_db()
    assert early.status == Status.WITHDRAWN

    late = pw.case_in("accepted", params={"accept": {"acceptance_number": "KC-1"}})
    html = client.get(f"/my/cases/{late.pk}/").content.decode()
    assert 'data-testid="action-withdraw"' not in html
    response = act(client, late, "withdraw")
    assert response.status_code == 409 and "不能执行“撤回申请”" in response.content.decode()
    late.refresh_from_db()
    assert late.status == Status.ACCEPTED


def test_only_the_citizens_actions_exist(client, pw):
    case = citizen_case(pw)
    assert act(as_citizen(client), case, "forward").status_code == 404


# --- Delivery and rating -------------------------------------------------------------------------------


def completed(pw: Any) -> Case:
    return pw.case_in(
        "completed",
        params={
            "accept": {"acceptance_number": "KC-2"},
            "complete": {"delivery_method": "post", "tracking_number": "EMS123"},
        },
    )


def test_confirming_delivery_and_rating_once(client, pw):
    case = completed(pw)
    as_citizen(client)
    html = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert "EMS123" in html and 'data-testid="rating-form"' not in html  # rating comes after delivery
    assert act(client, case, "deliver").status_code == 302
    html = client.get(f"/my/cases/{case.pk}/").content.decode()
    assert 'data-testid="rating-form"' in html and "非常满意" in html and "非常不满意" in html

    refused = client.post(f"/my/cases/{case.pk}/rate/", {"comment": "?"}, **HTMX)
    assert refused.status_code == 422 and not Rating.objects.exists()
    done = client.post(f"/my/cases/{case.pk}/rate/", {"level": 4, "comment": "很方便"}, **HTMX)
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    again = client.post(f"/my/cases/{case.pk}/rate/", {"level": 1}, **HTMX)
    assert again.status_code == 409 and "已经评价过了" in again.content.decode()
    rating = Rating.objects.get(case=case)
    assert rating.level == 4 and rating.comment == "很方便"


def test_rating_before_delivery_is_refused(client, pw):
    case = completed(pw)
    response = as_citizen(client).post(f"/my/cases/{case.pk}/rate/", {"level": 5})
    assert response.status_code == 409 and not Rating.objects.exists()


# --- The timeline -------------------------------------------------------------------------------------


def test_the_timeline_shows_steps_and_reasons_but_not_staff_or_their_remarks(client, pw):
    case = citizen_case(pw)
    services.add_material(case=case, actor=None, upload=pdf_upload(), slot=0)
    case = pw.act(case, "submit", AGENT)
    from shanghui.proxy.workflow import transition

    transition(case_id=case.pk, action="forward", actor=pw.agent, actor_kind=AGENT, note="内部：已电话核实",
               params={"window": pw.window})  # fmt: skip
    pw.act(case, "refuse", CLERK, reason="户籍不在本窗口辖区")
    html = as_citizen(client).get(f"/my/cases/{case.pk}/").content.decode()
    assert "预审通过并转递" in html and "原因：户籍不在本窗口辖区" in html and "代办员" in html
    assert "内部：已电话核实" not in html
    assert pw.agent.username not in html and pw.clerk.username not in html
