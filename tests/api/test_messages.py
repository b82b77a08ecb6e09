"""/api/v1/cases/{id}/messages: the case's conversation through the conversation services."""

from __future__ import annotations

from typing import Any

from shanghui.proxy.workflow import AGENT
from tests.api.conftest import error_of


def test_post_list_and_read_messages(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    agent = api_as(pw.agent)
    path = f"/api/v1/cases/{case.pk}/messages"

    posted = agent.post(path, {"body": "材料已收到", "client_id": "m-1"})
    assert posted.status_code == 201, posted.content
    message = posted.json()
    assert message["body"] == "材料已收到"
    assert message["author"]["key"] == f"u:{pw.agent.pk}"
    again = agent.post(path, {"body": "材料已收到", "client_id": "m-1"})  # a retry lands once
    assert again.json()["seq"] == message["seq"]
    note = agent.post(path, {"body": "内部：户口簿待核", "internal": True}).json()
    assert note["internal"] is True

    listed = agent.get(path).json()
    bodies = [m["body"] for m in listed["messages"]]
    assert "材料已收到" in bodies and "内部：户口簿待核" in bodies
    assert bodies.count("材料已收到") == 1
    assert listed["can_post"] is True
    assert listed["last_seq"] == listed["messages"][-1]["seq"]

    after = agent.get(path, {"after": message["seq"]}).json()["messages"]
    assert [m["seq"] for m in after] == [note["seq"]]
    before = agent.get(path, {"before": note["seq"], "limit": 1}).json()
    assert [m["seq"] for m in before["messages"]] == [message["seq"]]
    assert before["has_more"] is True  # the system message of the submission came first

    assert agent.post(f"{path}/read", {"seq": note["seq"]}).json() == {"last_read_seq": note["seq"]}

    both = agent.get(path, {"after": 1, "before": 3})
    assert both.status_code == 422
    assert error_of(both)["code"] == "validation"


def test_status_changes_appear_in_the_conversation(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    pw.act(case, "withdraw", AGENT)
    kinds = [m["kind"] for m in api_as(pw.agent).get(f"/api/v1/cases/{case.pk}/messages").json()["messages"]]
    assert kinds.count("system") == 2


def test_supervisor_reads_but_must_join_to_post(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    api_as(pw.agent).post(f"/api/v1/cases/{case.pk}/messages", {"body": "您好"})
    chamber = api_as(pw.chamber_admin)
    listed = chamber.get(f"/api/v1/cases/{case.pk}/messages").json()
    assert listed["can_post"] is False
    refused = chamber.post(f"/api/v1/cases/{case.pk}/messages", {"body": "督办"})
    assert refused.status_code == 403
    assert error_of(refused)["message"] == "请先加入会话再发言"


def test_empty_or_long_messages_are_refused(pw: Any, api_as: Any) -> None:
    case = pw.submitted()
    agent = api_as(pw.agent)
    for body in ("", "字" * 2001):
        response = agent.post(f"/api/v1/cases/{case.pk}/messages", {"body": body})
        assert response.status_code == 422
        assert list(error_of(response)["fields"]) == ["body"]
