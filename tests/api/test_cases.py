"""Proxy cases through /api/v1/cases: the same rules as the staff pages, answered in JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shanghui.audit.models import AuditEntry
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Status
from shanghui.proxy.workflow import AGENT, CLERK
from tests.api.conftest import PDF, PNG, error_of, pdf_upload

APPLICANT = {
    "name": "李四",
    "id_number": "330802199003070017",
    "mobile": "13800005678",
    "home_region_code": "330802",
    "current_city": "上海",
    "current_address": "上海市静安区南京西路1号",
}


def intake(pw: Any, **extra: Any) -> dict[str, Any]:
    return {"item": pw.item.pk, "applicant": dict(APPLICANT), "poa_confirmed": True, **extra}


def act(api: Any, case_id: int, action: str, expected: str, **params: Any) -> Any:
    return api.post(
        f"/api/v1/cases/{case_id}/actions/{action}", {"expected_status": expected, "params": params}
    )


# --- The whole way through, as the agent and the clerk do it in the pages -----------------------------


def test_agent_and_clerk_take_a_case_from_intake_to_closing(pw: Any, api_as: Any) -> None:
    agent, clerk = api_as(pw.agent), api_as(pw.clerk)

    created = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "intake-0001"})
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["status"] == "draft"
    assert case["applicant"] == {
        "name": "李*", "id_number": "330802********0017", "mobile": "138****5678",
        "home_region_code": "330802", "current_city": "上海",
    }  # fmt: skip
    assert "13800005678" not in created.content.decode()
    assert [a["action"] for a in case["allowed_actions"]] == ["submit", "withdraw"]
    case_id = case["id"]

    upload = agent.upload(f"/api/v1/cases/{case_id}/materials", {"file": pdf_upload(), "slot": "0"})
    assert upload.status_code == 201, upload.content
    assert upload.json()["name"] == "居民户口簿"

    submitted = act(agent, case_id, "submit", "draft")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["running_clock"]["clock"] == "review"
    forward = next(a for a in body["allowed_actions"] if a["action"] == "forward")
    assert forward["required"] == ["window"]
    assert forward["choices"]["window"] == [{"value": str(pw.window.pk), "label": pw.window.name}]

    forwarded = act(agent, case_id, "forward", "submitted", window=pw.window.pk, tracking_number="SF123")
    assert forwarded.json()["window"] == {"id": pw.window.pk, "name": pw.window.name}
    assert forwarded.json()["forward_tracking_number"] == "SF123"

    # The agent's work is done: the window's actions are not theirs.
    assert act(agent, case_id, "accept", "forwarded", acceptance_number="A1").status_code == 403

    accepted = act(clerk, case_id, "accept", "forwarded", acceptance_number="GA-2026-001")
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["my_roles"] == ["clerk"]

    result_doc = clerk.upload(
        f"/api/v1/cases/{case_id}/materials", {"file": pdf_upload("批准.pdf"), "result": "true"}
    )
    assert result_doc.status_code == 201, result_doc.content
    assert result_doc.json()["is_result"] is True

    completed = act(clerk, case_id, "complete", "accepted", result="granted", delivery_method="electronic")
    assert completed.json()["status"] == "completed"
    assert completed.json()["result"] == "granted"

    assert act(agent, case_id, "deliver", "completed").json()["status"] == "delivered"
    closed = act(agent, case_id, "close", "delivered")
    assert closed.json()["status"] == "closed"
    assert closed.json()["allowed_actions"] == []

    detail = agent.get(f"/api/v1/cases/{case_id}").json()
    assert [e["action"] for e in detail["events"]] == [
        "create", "submit", "forward", "accept", "complete", "deliver", "close",
    ]  # fmt: skip
    assert detail["events"][3]["details"] == ["受理编号：GA-2026-001"]
    assert detail["events"][3]["actor"].endswith("（窗口人员）")
    assert {m["is_result"] for m in detail["materials"]} == {False, True}


def test_idempotency_key_makes_one_case_per_intake(pw: Any, api_as: Any) -> None:
    agent = api_as(pw.agent)
    first = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "retry-me-42"})
    again = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "retry-me-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = agent.post("/api/v1/cases", intake(pw), headers={"Idempotency-Key": "another-one"})
    assert other.status_code == 201
    assert Case.objects.count() == 2


def test_intake_validates_like_the_page(pw: Any, api_as: Any) -> None:
    agent = api_as(pw.agent)
    bad = intake(pw, poa_confirmed=False)
    bad["applicant"] |= {"id_number": "33080219900307001X", "mobile": "12345", "home_region_code": "999999"}
    response = agent.post("/api/v1/cases", bad)
    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert set(fields) == {
        "applicant.id_number", "applicant.mobile", "applicant.home_region_code", "poa_confirmed",
    }  # fmt: skip
    assert fields["poa_confirmed"] == ["请阅读并确认委托书"]
    assert Case.objects.count() == 0


def test_intake_is_for_agents_at_their_own_point(pw: Any, api_as: Any) -> None:
    assert api_as(pw.clerk).post("/api/v1/cases", intake(pw)).status_code == 403
    assert api_as(pw.outsider).post("/api/v1/cases", intake(pw)).status_code == 403
    wrong_point = api_as(pw.agent).post("/api/v1/cases", intake(pw, proxy_point=pw.point_b.pk))
    assert wrong_point.status_code == 422
    assert error_of(wrong_point)["fields"] == {"proxy_point": ["请选择您所在的代办点"]}
    assert Case.objects.count() == 0


def test_intake_uses_the_tokens_organisation_as_the_point(pw: Any, api_as: Any) -> None:
    api = api_as(pw.agent, organisation=pw.point_a)
    assert api.post("/api/v1/cases", intake(pw)).json()["proxy_point"]["id"] == pw.point_a.pk


# --- Access: chambers, outsiders, read-only viewers ---------------------------------------------------------


def test_another_chambers_token_cannot_read_or_act_on_the_case(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    outsider_list = api_as(pw.outsider).get("/api/v1/cases")
    assert outsider_list.status_code == 403  # as the case list page: not for people without a case role
    assert error_of(outsider_list)["message"] == "您的角色不能查看代办件"
    for user in (pw.agent_b, pw.chamber_admin_b, pw.outsider):
        api = api_as(user)
        if user != pw.outsider:
            assert case.pk not in [c["id"] for c in api.get("/api/v1/cases").json()["items"]]
        for response in (
            api.get(f"/api/v1/cases/{case.pk}"),
            act(api, case.pk, "forward", "submitted", window=pw.window.pk),
            act(api, case.pk, "withdraw", "submitted"),
            api.get(f"/api/v1/cases/{case.pk}/materials"),
            api.upload(f"/api/v1/cases/{case.pk}/materials", {"file": pdf_upload()}),
            api.get(f"/api/v1/cases/{case.pk}/messages"),
            api.post(f"/api/v1/cases/{case.pk}/messages", {"body": "看看"}),
            api.post(f"/api/v1/cases/{case.pk}/reveal"),
        ):
            assert response.status_code == 404, (user.username, response.request["PATH_INFO"])
            assert error_of(response)["code"] == "not_found"
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_supervisors_read_but_do_not_act(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    for user in (pw.chamber_admin, pw.fed_admin, pw.auditor):
        api = api_as(user)
        detail = api.get(f"/api/v1/cases/{case.pk}")
        assert detail.status_code == 200, user.username
        assert detail.json()["my_roles"] == []
        assert detail.json()["allowed_actions"] == []
        response = act(api, case.pk, "forward", "submitted", window=pw.window.pk)
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
        assert api.get(f"/api/v1/cases/{case.pk}/materials/1/file").status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


# --- Actions: conflicts and bad input -------------------------------------------------------------------


def test_stale_expected_status_is_a_409_that_changes_nothing(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    pw.act(case, "withdraw", AGENT)  # someone else withdrew it a moment ago
    response = act(api_as(pw.agent), case.pk, "forward", "submitted", window=pw.window.pk)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["current_status"] == "withdrawn"
    assert error["current_status_label"] == "已撤回"
    assert "已撤回" in error["message"]
    case.refresh_from_db()
    assert case.window_id is None
    assert not CaseEvent.objects.filter(case=case, action="forward").exists()


def test_action_input_is_validated_with_field_messages(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    agent = api_as(pw.agent)

    missing = act(agent, case.pk, "request_correction", "submitted")
    assert missing.status_code == 422
    assert error_of(missing)["fields"] == {"params.correction_items": ["请逐条写明需要补正的内容"]}

    foreign = act(agent, case.pk, "forward", "submitted", window=pw.window2.pk)
    assert error_of(foreign)["fields"] == {"params.window": ["请选择申请人户籍所在区县的受理窗口"]}

    not_for_this_action = act(agent, case.pk, "forward", "submitted", window=pw.window.pk, reason="x")
    assert error_of(not_for_this_action)["fields"] == {"params.reason": ["“预审通过并转递”不需要此参数"]}

    schema_error = agent.post(
        f"/api/v1/cases/{case.pk}/actions/forward", {"expected_status": "bogus", "params": {"window": "x"}}
    )
    assert schema_error.status_code == 422
    fields = error_of(schema_error)["fields"]
    assert set(fields) == {"expected_status", "params.window"}
    assert fields["params.window"] == ["应为整数"]

    correction = act(
        agent, case.pk, "request_correction", "submitted", correction_items=["户口簿不清晰", "照片缺失"]
    )
    assert correction.status_code == 200
    assert correction.json()["correction_items"] == ["户口簿不清晰", "照片缺失"]
    assert CaseEvent.objects.filter(case=case).count() == 3


def test_submit_without_required_materials_is_refused(pw: Any, api_as: Any) -> None:
    case = pw.new_case()
    response = act(api_as(pw.agent), case.pk, "submit", "draft")
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"materials": ["请先上传必交材料：居民户口簿"]}
    assert Case.objects.get(pk=case.pk).status == Status.DRAFT


def test_complete_by_post_needs_a_tracking_number(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    pw.act(case, "forward", AGENT, window=pw.window.pk)
    pw.act(Case.objects.get(pk=case.pk), "accept", CLERK, acceptance_number="A1")
    response = act(
        api_as(pw.clerk), case.pk, "complete", "accepted", result="granted", delivery_method="post"
    )
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"params.tracking_number": ["邮寄送达请填写寄递单号"]}


# --- List, filters, cursor --------------------------------------------------------------------------------


def test_case_list_filters(pw: Any, api_as: Any) -> None:
    draft = pw.new_case()
    submitted = pw.submitted()
    agent = api_as(pw.agent)

    def ids(**params: Any) -> list[int]:
        response = agent.get("/api/v1/cases", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["items"]]

    assert ids() == [submitted.pk, draft.pk]
    assert ids(status="draft") == [draft.pk]
    assert ids(queue="review") == [submitted.pk]
    assert ids(q=submitted.number) == [submitted.pk]
    assert ids(q=submitted.number[:6]) == [submitted.pk, draft.pk]
    assert ids(q="1234") == [submitted.pk, draft.pk]  # mobile's last four digits
    assert ids(point=pw.point_b.pk) == []
    assert ids(item=pw.item.pk, department=pw.dept.pk, chamber=pw.chamber_a.pk) == [submitted.pk, draft.pk]
    assert ids(overdue="true") == []
    Case.objects.filter(pk=submitted.pk).update(review_due_at=timezone.now() - dt.timedelta(hours=1))
    assert ids(overdue="true") == [submitted.pk]
    assert ids(updated_after=(timezone.now() + dt.timedelta(minutes=1)).isoformat()) == []
    today = timezone.localdate().isoformat()
    assert ids(created_from=today, created_to=today) == [submitted.pk, draft.pk]

    unknown_queue = agent.get("/api/v1/cases", {"queue": "incoming"})  # a clerk's queue, not an agent's
    assert unknown_queue.status_code == 422
    assert error_of(unknown_queue)["fields"] == {"queue": ["没有这个工作队列"]}


def test_cursor_pages_are_stable_while_cases_are_added(pw: Any, api_as: Any) -> None:
    made = [pw.new_case() for _ in range(5)]
    agent = api_as(pw.agent)
    first = agent.get("/api/v1/cases", {"limit": 2}).json()
    assert [c["id"] for c in first["items"]] == [made[4].pk, made[3].pk]
    pw.new_case()  # a new case arrives while the client is paging
    second = agent.get("/api/v1/cases", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = agent.get("/api/v1/cases", {"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [c["id"] for c in second["items"]] == [made[2].pk, made[1].pk]
    assert [c["id"] for c in third["items"]] == [made[0].pk]
    assert third["next_cursor"] is None

    broken = agent.get("/api/v1/cases", {"cursor": "not-a-cursor"})
    assert broken.status_code == 422
    assert error_of(broken)["fields"] == {"cursor": ["分页游标无效"]}


def test_list_masks_personal_data(pw: Any, api_as: Any) -> None:
    pw.submitted()
    response = api_as(pw.chamber_admin).get("/api/v1/cases")
    text = response.content.decode()
    assert response.json()["items"][0]["applicant_name"] == "张*"
    assert "330802199003070017" not in text and "13800001234" not in text and "张三" not in text


# --- Materials ------------------------------------------------------------------------------------------------


def test_materials_upload_list_download_and_review(pw: Any, api_as: Any) -> None:
    case = pw.new_case()
    agent = api_as(pw.agent)
    path = f"/api/v1/cases/{case.pk}/materials"

    refused = agent.upload(path, {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/pdf")})
    assert refused.status_code == 422
    assert error_of(refused)["fields"] == {"file": ["只能上传 JPG、PNG、WebP 图片或 PDF 文件"]}
    no_slot = agent.upload(path, {"file": pdf_upload(), "slot": "9"})
    assert error_of(no_slot)["fields"] == {"slot": ["没有这一项材料（见事项的材料清单）"]}
    assert (
        api_as(pw.clerk).upload(path, {"file": pdf_upload(), "slot": "0"}).status_code == 404
    )  # not forwarded yet

    stored = agent.upload(path, {"file": pdf_upload(), "slot": "0"}).json()
    photo = agent.upload(path, {"file": SimpleUploadedFile("照片.png", PNG, "image/png"), "slot": "1"})
    assert photo.json()["content_type"] == "image/png"

    listed = agent.get(path).json()
    assert {m["name"] for m in listed["materials"]} == {"居民户口簿", "近期免冠照片"}
    assert listed["missing_materials"] == []

    download = agent.get(f"{path}/{stored['id']}/file")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert "no-store" in download["Cache-Control"]
    assert agent.get(f"{path}/999999/file").status_code == 404

    act(agent, case.pk, "submit", "draft")
    review = agent.post(f"{path}/{stored['id']}/review", {"review": "needs_correction", "note": ""})
    assert error_of(review)["fields"] == {"note": ["请写明需要怎样补正"]}
    review = agent.post(f"{path}/{stored['id']}/review", {"review": "needs_correction", "note": "不清晰"})
    assert review.status_code == 200
    assert review.json()["review"] == "needs_correction"
    assert CaseMaterial.objects.get(pk=stored["id"]).review_note == "不清晰"


def test_reveal_of_the_id_number_is_audited(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    response = api_as(pw.agent).post(f"/api/v1/cases/{case.pk}/reveal")
    assert response.status_code == 200
    assert response.json() == {"id_number": "330802199003070017"}
    entry = AuditEntry.objects.filter(action="pii.reveal").get()
    assert entry.actor_id == pw.agent.pk
    assert api_as(pw.chamber_admin).post(f"/api/v1/cases/{case.pk}/reveal").status_code == 403
    assert AuditEntry.objects.filter(action="pii.reveal").count() == 1


@pytest.mark.parametrize("scope", ["read", "write"])
def test_detail_of_a_case_has_timeline_clocks_and_actions(pw: Any, api_as: Any, scope: str) -> None:
    case = pw.submitted()
    detail = api_as(pw.agent, scope=scope).get(f"/api/v1/cases/{case.pk}").json()
    assert detail["number"] == case.number
    assert [e["action"] for e in detail["events"]] == ["create", "submit"]
    assert [c["clock"] for c in detail["clocks"]] == ["review", "acceptance", "processing"]
    assert detail["clocks"][0]["state"] in {"计时中", "即将超期"}
    assert {a["action"] for a in detail["allowed_actions"]} == {"request_correction", "forward", "withdraw"}
    assert detail["rating"] is None
