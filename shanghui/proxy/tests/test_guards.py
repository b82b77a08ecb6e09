"""One guard per action: the case page and the REST API refuse and accept the same things, because both
go through the same function (proxy/actions.act, proxy/actions.review_material,
proxy/services.reveal_id_number). Each attempt is made once through the page and once through the API,
on two cases in the same state, by the same person (an outsider and another point's agent included):
the answers match, a refusal changes nothing, and each way calls the guard exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shanghui.accounts.models import ApiToken, User
from shanghui.accounts.tokens import create_token
from shanghui.audit.models import AuditEntry
from shanghui.proxy import actions, services
from shanghui.proxy.models import Case, CaseEvent, CaseMaterial, Status
from shanghui.proxy.tests.conftest import pdf_upload

HTMX = {"HX-Request": "true"}  # the page's way: refused inputs are a 422 fragment, a conflict a 409


def _outcome(status: int, kind: str) -> int | str:
    """A page's redirect (or htmx redirect) and the API's 200/201 are both "done"."""
    if (kind == "page" and status in (200, 302)) or (kind == "api" and status in (200, 201)):
        return "done"
    return status


class Ways:
    """The page and the API as one person."""

    def __init__(self, user: User) -> None:
        self.page = Client()
        self.page.force_login(user)
        _row, token = create_token(actor=user, user=user, name="测试", scope=ApiToken.Scope.WRITE)
        self.headers = {"Authorization": f"Bearer {token}"}

    def api(self, path: str, body: dict[str, Any]) -> Any:
        return Client().post(
            f"/api/v1/cases/{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


def _spy(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    real: Callable[..., Any] = getattr(owner, name)

    def spy(**kw: Any) -> Any:
        calls.append(kw)
        return real(**kw)

    monkeypatch.setattr(owner, name, spy)
    return calls


def _state(case: Case) -> tuple[str, int, list[tuple[str, str]]]:
    case.refresh_from_db()
    reviews = list(case.materials.order_by("pk").values_list("review", "review_note"))
    return case.status, CaseEvent.objects.filter(case=case).count(), reviews


# --- Workflow actions ------------------------------------------------------------------------------------

# (who, action, the status they saw, params) → the answer through both ways.
ACTS = [
    ("outsider", "forward", "submitted", {"window": "window"}, 404),
    ("agent_b", "forward", "submitted", {"window": "window"}, 404),
    ("clerk", "forward", "submitted", {"window": "window"}, 404),  # not forwarded to the window yet
    ("chamber_admin", "forward", "submitted", {"window": "window"}, 403),  # reads, does not act
    ("auditor", "withdraw", "submitted", {}, 403),
    ("agent", "accept", "submitted", {"acceptance_number": "A1"}, 403),  # the clerk's action
    ("agent", "forward", "draft", {"window": "window"}, 409),
    ("agent", "forward", "submitted", {}, 422),
    ("agent", "request_correction", "submitted", {"correction_items": []}, 422),
    ("agent", "forward", "submitted", {"window": "window"}, "done"),
    ("agent", "request_correction", "submitted", {"correction_items": ["户口簿不清晰", "照片"]}, "done"),
    ("agent", "withdraw", "submitted", {}, "done"),
]


@pytest.mark.parametrize(("who", "action", "seen", "params", "expected"), ACTS)
def test_page_and_api_answer_an_action_alike_through_one_guard(
    pw: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    action: str,
    seen: str,
    params: dict[str, Any],
    expected: int | str,
) -> None:
    ways = Ways(getattr(pw, who))
    values = {k: pw.window.pk if v == "window" else v for k, v in params.items()}
    calls = _spy(monkeypatch, actions, "act")
    by_page, by_api = pw.submitted(), pw.submitted()
    before = _state(by_page)
    assert _state(by_api)[:2] == before[:2]

    form = {k: "\n".join(v) if isinstance(v, list) else v for k, v in values.items()}
    page = ways.page.post(
        reverse("proxy:act", args=[by_page.pk, action]), {"expected_status": seen, **form}, headers=HTMX
    )
    api = ways.api(f"{by_api.pk}/actions/{action}", {"expected_status": seen, "params": values})

    assert (_outcome(page.status_code, "page"), _outcome(api.status_code, "api")) == (expected, expected)
    assert [c["case_id"] for c in calls] == [by_page.pk, by_api.pk]
    assert [c["action"] for c in calls] == [action, action]
    if expected == "done":
        assert _state(by_page)[:2] == _state(by_api)[:2] != before[:2]
    else:
        assert _state(by_page) == _state(by_api) == before  # refused: nothing changed either way
    if expected == 422:
        page_text = page.content.decode()
        for messages in api.json()["error"]["fields"].values():
            assert all(m in page_text for m in messages)


# --- Material review -------------------------------------------------------------------------------------

# (who, case state, review, note) → the answer through both ways.
REVIEWS = [
    ("outsider", "submitted", "accepted", "", 404),
    ("agent_b", "submitted", "accepted", "", 404),
    ("chamber_admin", "submitted", "accepted", "", 403),
    ("agent", "draft", "accepted", "", 409),
    ("agent", "submitted", "needs_correction", "", 422),
    ("agent", "submitted", "accepted", "", "done"),
    ("agent", "submitted", "needs_correction", "看不清", "done"),
]


@pytest.mark.parametrize(("who", "state", "review", "note", "expected"), REVIEWS)
def test_page_and_api_review_a_material_alike_through_one_guard(
    pw: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    state: str,
    review: str,
    note: str,
    expected: int | str,
) -> None:
    ways = Ways(getattr(pw, who))
    calls = _spy(monkeypatch, actions, "review_material")

    def case_in_state() -> tuple[Case, CaseMaterial]:
        if state == "submitted":
            case = pw.submitted()
        else:
            case = pw.new_case()
            services.add_material(case=case, actor=pw.agent, upload=pdf_upload(), slot=0)
        return case, case.materials.get()

    (by_page, page_material), (by_api, api_material) = case_in_state(), case_in_state()
    before = _state(by_page)
    body = {"review": review, "note": note}
    page = ways.page.post(reverse("proxy:review", args=[by_page.pk, page_material.pk]), body)
    api = ways.api(f"{by_api.pk}/materials/{api_material.pk}/review", body)

    # The page shows a refused review on the case page again (200), under the material.
    page_outcome: int | str = _outcome(page.status_code, "page")
    if expected == 422 and page.status_code == 200:
        page_outcome = 422 if "请写明需要怎样补正" in page.content.decode() else page_outcome
    assert (page_outcome, _outcome(api.status_code, "api")) == (expected, expected)
    assert [(c["case_id"], c["material_id"]) for c in calls] == [
        (by_page.pk, page_material.pk),
        (by_api.pk, api_material.pk),
    ]
    if expected == "done":
        assert _state(by_page)[2] == _state(by_api)[2] == [(review, note)]
    else:
        assert _state(by_page) == _state(by_api) == before


# --- Revealing the ID number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("outsider", 404), ("agent_b", 404), ("chamber_admin", 403), ("auditor", 403), ("agent", "done")],
)
def test_page_and_api_reveal_the_id_number_alike_and_audit_each_time(
    pw: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, who: str, expected: int | str
) -> None:
    ways = Ways(getattr(pw, who))
    calls = _spy(monkeypatch, services, "reveal_id_number")
    case = pw.submitted()
    audited = AuditEntry.objects.filter(action="pii.reveal").count()

    page = ways.page.post(reverse("proxy:reveal", args=[case.pk]), headers=HTMX)
    api = ways.api(f"{case.pk}/reveal", {})

    assert (_outcome(page.status_code, "page"), _outcome(api.status_code, "api")) == (expected, expected)
    reveals = AuditEntry.objects.filter(action="pii.reveal").order_by("seq")
    if expected == "done":
        assert case.applicant_id_number in page.content.decode()
        assert api.json() == {"id_number": case.applicant_id_number}
        assert [c["case"].pk for c in calls] == [case.pk, case.pk]
        assert [e.detail for e in reveals[audited:]] == [
            {"field": "applicant_id_number"},
            {"field": "applicant_id_number", "via": "api"},
        ]
    else:
        assert calls == [] and reveals.count() == audited
        assert case.applicant_id_number not in page.content.decode() + api.content.decode()


def test_the_guard_refuses_an_unknown_action_and_a_case_nobody_may_see(pw: SimpleNamespace) -> None:
    case = pw.submitted()
    with pytest.raises(Exception, match="未知的操作"):
        actions.act(actor=pw.agent, case_id=case.pk, action="fly", data={"expected_status": "submitted"})
    with pytest.raises(Exception, match="办件不存在或无权查看"):
        actions.act(
            actor=pw.outsider, case_id=case.pk, action="withdraw", data={"expected_status": "submitted"}
        )
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED
