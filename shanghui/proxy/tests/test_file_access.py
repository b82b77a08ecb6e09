"""One rule for every file of a case — materials, result documents and the conversation's attachments
(ID card scans among them): the case's agents and clerks open them, the applicant opens those of their
own case, everyone else who sees the case sees that a file exists but gets 403 for its content, and
everyone else 404. Every download, page or API, staff or citizen, is one audit row: who, which file of
which case, from which address — never the file's name."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanghui.accounts.models import ApiToken
from shanghui.accounts.tokens import create_token
from shanghui.audit.models import AuditEntry
from shanghui.conversations import services as conversations
from shanghui.conversations.tests.conftest import citizen_client
from shanghui.lib.owners import Viewer
from shanghui.proxy.models import Case
from shanghui.proxy.owner import PROXY_CASE
from shanghui.testing.cases import PDF, PNG
from shanghui.testing.personas import person

# persona → the answer for a material on the case page, for a conversation attachment, and for the
# material through the API. Every persona of the shared world, a superuser and an anonymous visitor.
EXPECTED = {
    "agent": 200,
    "clerk": 200,
    "fed_admin": 403,
    "fed_staff": 403,
    "chamber_admin": 403,
    "chamber_staff": 403,
    "dept_admin": 403,
    "auditor": 403,
    "superuser": 403,
    "county_admin": 404,
    "chamber_admin_b": 404,
    "agent_b": 404,
    "mediator": 404,
    "lecturer": 404,
    "party_officer": 404,
    "outsider": 404,
}
DOWNLOADS = ("case.material.download", "conversation.file.download")
SECRET_NAME = "张三身份证正反面"  # an uploaded file's name may name a person: never in the audit log


@pytest.fixture
def files(pw: SimpleNamespace) -> SimpleNamespace:
    """A case forwarded to the window, with a material, a photo the citizen sent in the conversation
    and an internal PDF of the agent's."""
    case = pw.case_in("forwarded")
    material = case.materials.get()
    material.original_name = f"{SECRET_NAME}.pdf"
    material.save(update_fields=["original_name"])
    conversation = conversations.conversation_for(PROXY_CASE, case.pk)
    photo, _ = conversations.store_message(
        conversation=conversation, viewer=Viewer(mobile=case.applicant_mobile), body="",
        upload=SimpleUploadedFile(f"{SECRET_NAME}.png", PNG, content_type="image/png"),
    )  # fmt: skip
    note, _ = conversations.store_message(
        conversation=conversation, viewer=Viewer(user=pw.agent), body="", internal=True,
        upload=SimpleUploadedFile("核查表.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    pw.superuser = person("root", is_superuser=True)
    pw.case, pw.material, pw.photo, pw.note = case, material, photo, note
    return pw


def paths(case: Case, material_id: int, seq: int) -> dict[str, str]:
    return {
        "page": reverse("proxy:file", args=[case.pk, material_id]),
        "conversation": reverse("conversations:file", args=[PROXY_CASE, case.pk, seq]),
        "api": f"/api/v1/cases/{case.pk}/materials/{material_id}/file",
    }


def downloads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__in=DOWNLOADS).order_by("seq"))


@pytest.mark.parametrize("persona", EXPECTED)
def test_one_rule_for_every_file_of_a_case(files: SimpleNamespace, persona: str) -> None:
    user = getattr(files, persona)
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    _, token = create_token(actor=user, user=user, name="对接", scope=ApiToken.Scope.READ)
    before = AuditEntry.objects.filter(action__in=DOWNLOADS).count()
    expected = EXPECTED[persona]
    targets = paths(files.case, files.material.pk, files.photo.seq)

    answers = {
        "page": client.get(targets["page"]).status_code,
        "conversation": client.get(targets["conversation"]).status_code,
        "internal note": client.get(paths(files.case, files.material.pk, files.note.seq)["conversation"]).status_code,
        "api": Client(REMOTE_ADDR="10.1.2.3").get(targets["api"], headers={"Authorization": f"Bearer {token}"}).status_code,
    }  # fmt: skip

    assert answers == dict.fromkeys(answers, expected)
    rows = downloads()[before:]
    if expected != 200:
        assert rows == []  # nothing opened, nothing recorded
        return
    assert [(r.action, r.actor_id, r.ip) for r in rows] == [
        ("case.material.download", user.pk, "10.1.2.3"),
        ("conversation.file.download", user.pk, "10.1.2.3"),
        ("conversation.file.download", user.pk, "10.1.2.3"),
        ("case.material.download", user.pk, "10.1.2.3"),
    ]
    page, photo, note, api = rows
    assert (page.object_type, page.object_id, page.detail) == (
        "proxy.casematerial", str(files.material.pk), {"case_id": files.case.pk, "via": "staff"},
    )  # fmt: skip
    assert page.object_repr == f"{files.case.number} 居民户口簿"
    assert api.detail == {"case_id": files.case.pk, "via": "api"}
    assert (photo.object_type, photo.object_id) == ("conversations.message", str(files.photo.pk))
    assert photo.detail == {"owner_type": PROXY_CASE, "owner_id": files.case.pk, "seq": files.photo.seq,
                            "internal": False}  # fmt: skip
    assert note.detail["internal"] is True
    assert all(SECRET_NAME not in json.dumps([r.object_repr, r.detail], ensure_ascii=False) for r in rows)


def test_an_anonymous_visitor_opens_nothing(files: SimpleNamespace) -> None:
    targets = paths(files.case, files.material.pk, files.photo.seq)
    anonymous = Client()
    assert anonymous.get(targets["page"]).status_code == 302  # to the login page
    assert anonymous.get(targets["conversation"]).status_code == 404
    assert anonymous.get(targets["api"]).status_code == 401
    assert downloads() == []


def test_the_applicant_opens_the_files_of_their_own_case_and_each_download_is_recorded(
    files: SimpleNamespace,
) -> None:
    citizen = citizen_client(files.case.applicant_mobile)
    citizen.defaults["REMOTE_ADDR"] = "10.9.8.7"
    material = citizen.get(reverse("citizen:file", args=[files.case.pk, files.material.pk]))
    assert material.status_code == 200 and material.getvalue() == PDF
    photo = citizen.get(reverse("conversations:file", args=[PROXY_CASE, files.case.pk, files.photo.seq]),
                        {"as": "citizen"})  # fmt: skip
    assert photo.status_code == 200 and photo.getvalue() == PNG
    # Internal notes never reach the applicant.
    note = reverse("conversations:file", args=[PROXY_CASE, files.case.pk, files.note.seq])
    assert citizen.get(note, {"as": "citizen"}).status_code == 404

    rows = downloads()
    assert [(r.action, r.actor_id, r.actor_label, r.ip) for r in rows] == [
        ("case.material.download", None, "citizen", "10.9.8.7"),
        ("conversation.file.download", None, "citizen", "10.9.8.7"),
    ]
    assert rows[0].detail == {"case_id": files.case.pk, "via": "citizen"}
    assert rows[0].actor_display == "申请人"
    # The applicant's mobile number is personal data: it is not in the row.
    assert files.case.applicant_mobile not in json.dumps(
        [rows[0].actor_label, rows[0].object_repr, rows[0].detail, rows[1].object_repr, rows[1].detail]
    )


def test_another_number_opens_nothing(files: SimpleNamespace) -> None:
    other = citizen_client("13900000000")
    assert other.get(reverse("citizen:file", args=[files.case.pk, files.material.pk])).status_code == 404
    conversation_file = reverse("conversations:file", args=[PROXY_CASE, files.case.pk, files.photo.seq])
    assert other.get(conversation_file, {"as": "citizen"}).status_code == 404
    assert downloads() == []


def test_a_file_storage_lost_is_a_404_and_not_recorded(files: SimpleNamespace) -> None:
    files.material.file.storage.delete(files.material.file.name)
    client = Client()
    client.force_login(files.agent)
    assert client.get(paths(files.case, files.material.pk, 1)["page"]).status_code == 404
    assert downloads() == []


@pytest.mark.parametrize(("persona", "opens"), [("agent", True), ("clerk", True), ("fed_staff", False),
                                                ("auditor", False)])  # fmt: skip
def test_the_case_page_links_files_only_for_those_who_may_open_them(
    files: SimpleNamespace, persona: str, opens: bool
) -> None:
    client = Client()
    client.force_login(getattr(files, persona))
    html = client.get(reverse("proxy:detail", args=[files.case.pk])).content.decode()
    # The material is listed either way; only a link opens it.
    assert "居民户口簿" in html
    assert ('data-testid="material-file"' in html) is opens
    # The conversation panel tells its script whether to show attachments or only their names.
    assert f'data-files="{1 if opens else 0}"' in html


def test_a_supervisor_who_joined_still_sees_only_that_a_file_was_sent(files: SimpleNamespace) -> None:
    conversation = conversations.conversation_for(PROXY_CASE, files.case.pk)
    supervisor = Viewer(user=files.fed_staff)
    conversations.join(conversation=conversation, viewer=supervisor)
    access = conversations.access_for(conversation, supervisor)
    assert access.post and not access.files
    client = Client()
    client.force_login(files.fed_staff)
    assert (
        client.get(paths(files.case, files.material.pk, files.photo.seq)["conversation"]).status_code == 403
    )


def test_the_socket_access_frame_carries_the_files_flag(files: SimpleNamespace) -> None:
    conversation = conversations.conversation_for(PROXY_CASE, files.case.pk)
    agent: Any = conversations.access_for(conversation, Viewer(user=files.agent))
    auditor: Any = conversations.access_for(conversation, Viewer(user=files.auditor))
    citizen: Any = conversations.access_for(conversation, Viewer(mobile=files.case.applicant_mobile))
    assert (agent.files, auditor.files, citizen.files) == (True, False, True)
