"""The conversation's HTTP endpoints and the panel on the case pages: history pages, file upload and
download, join, mark read — for staff (login) and the citizen (proved mobile), and 404 for everyone else."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanghui.conversations import services
from shanghui.conversations.models import Message, Participant
from shanghui.conversations.tests.conftest import citizen_client, staff_client
from shanghui.lib.owners import Viewer
from shanghui.proxy.owner import PROXY_CASE
from shanghui.testing.cases import PDF, PNG


def url(name: str, case_id: int, *args: int) -> str:
    return reverse(f"conversations:{name}", args=[PROXY_CASE, case_id, *args])


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def chat(pw):
    """A submitted case with a few messages: seq 1 the submission, 2 the citizen, 3 an internal note,
    4 the agent's answer."""
    case = pw.submitted()
    conversation = services.conversation_for(PROXY_CASE, case.pk)
    citizen, agent = Viewer(mobile=case.applicant_mobile), Viewer(user=pw.agent)
    services.post_message(conversation=conversation, viewer=citizen, body="请问要多久？")
    services.post_message(conversation=conversation, viewer=agent, body="户籍地址待核", internal=True)
    services.post_message(conversation=conversation, viewer=agent, body="约五个工作日", reply_to=2)
    pw.case, pw.conversation = case, conversation
    return pw


def test_history_pages_back_and_hides_internal_notes_from_the_citizen(chat):
    agent = staff_client(chat.agent).get(url("messages", chat.case.pk), {"before": 4})
    assert agent.status_code == 200
    assert [m["seq"] for m in agent.json()["messages"]] == [1, 2, 3] and not agent.json()["more"]

    citizen = citizen_client(chat.case.applicant_mobile).get(url("messages", chat.case.pk), {"as": "citizen"})
    body = citizen.json()
    assert [m["seq"] for m in body["messages"]] == [1, 2, 4]
    assert body["messages"][2]["reply_to"]["excerpt"] == "请问要多久？"
    assert "户籍地址待核" not in citizen.content.decode()
    assert citizen["Cache-Control"].startswith("max-age=0")


def test_history_pages_are_limited_and_say_when_more_exist(chat, monkeypatch):
    monkeypatch.setattr(services, "PAGE", 2)
    page = staff_client(chat.agent).get(url("messages", chat.case.pk)).json()
    assert [m["seq"] for m in page["messages"]] == [3, 4] and page["more"]
    older = staff_client(chat.agent).get(url("messages", chat.case.pk), {"before": 3}).json()
    assert [m["seq"] for m in older["messages"]] == [1, 2] and not older["more"]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "agent_b", "chamber_admin_b", "other_number"])
def test_outsiders_get_404_from_every_endpoint_and_change_nothing(chat, who):
    client = {
        "anonymous": lambda: Client(),
        "outsider": lambda: staff_client(chat.outsider),
        "agent_b": lambda: staff_client(chat.agent_b),
        "chamber_admin_b": lambda: staff_client(chat.chamber_admin_b),
        "other_number": lambda: citizen_client("13900000000"),
    }[who]()
    case_id = chat.case.pk
    services.post_message(
        conversation=chat.conversation, viewer=Viewer(user=chat.agent), body="", upload=png()
    )  # seq 5, a file
    before = Message.objects.count(), Participant.objects.count()

    assert client.get(url("messages", case_id), {"as": "citizen"}).status_code == 404
    assert client.get(url("file", case_id, 5), {"as": "citizen"}).status_code == 404
    assert client.post(url("upload", case_id), {"file": png(), "as": "citizen"}).status_code == 404
    assert client.post(url("join", case_id)).status_code == 404
    assert client.post(url("read", case_id), {"seq": 5}).status_code == 404
    assert client.get(url("messages", 999_999)).status_code == 404

    assert (Message.objects.count(), Participant.objects.count()) == before


def test_the_citizen_sends_a_photo_and_the_agent_opens_it_in_the_page(chat):
    citizen = citizen_client(chat.case.applicant_mobile)
    answer = citizen.post(
        url("upload", chat.case.pk) + "?as=citizen",
        {"file": png("户口簿首页.png"), "body": "这张可以吗", "reply_to": "4", "client_id": "up-1"},
    )
    assert answer.status_code == 201
    message = answer.json()["message"]
    assert message["kind"] == "image" and message["body"] == "这张可以吗" and message["reply_to"]["seq"] == 4
    assert message["file"]["name"] == "户口簿首页.png" and message["file"]["url"] == url(
        "file", chat.case.pk, 5
    )

    again = citizen.post(url("upload", chat.case.pk) + "?as=citizen", {"file": png(), "client_id": "up-1"})
    assert again.status_code == 200 and again.json()["message"]["seq"] == 5

    image = staff_client(chat.agent).get(message["file"]["url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert "filename*=utf-8''%E6%88%B7" in image["Content-Disposition"]
    assert image.getvalue() == PNG
    assert image["Cache-Control"] == "private, no-store"


def test_a_pdf_downloads_under_its_name_and_an_internal_file_is_hidden_from_the_citizen(chat):
    agent = staff_client(chat.agent)
    pdf = SimpleUploadedFile("核查表.pdf", PDF, content_type="application/pdf")
    answer = agent.post(url("upload", chat.case.pk), {"file": pdf, "internal": "1"})
    assert answer.status_code == 201 and answer.json()["message"]["internal"]

    download = agent.get(url("file", chat.case.pk, 5))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"
    citizen = citizen_client(chat.case.applicant_mobile)
    assert citizen.get(url("file", chat.case.pk, 5), {"as": "citizen"}).status_code == 404
    assert citizen.get(url("file", chat.case.pk, 2), {"as": "citizen"}).status_code == 404  # no file


def test_bad_uploads_get_a_chinese_reason_and_store_nothing(chat):
    citizen = citizen_client(chat.case.applicant_mobile)
    before = Message.objects.count()
    target = url("upload", chat.case.pk) + "?as=citizen"

    fake = SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert citizen.post(target, {"file": fake}).json() == {"error": "只能上传 JPG、PNG、WebP 图片或 PDF 文件"}
    assert citizen.post(target, {"body": "没有文件"}).status_code == 422
    assert citizen.post(target, {"file": png(), "internal": "1"}).status_code == 403
    assert citizen.post(target, {"file": png(), "reply_to": "3"}).json() == {"error": "要回复的消息不存在"}
    assert citizen.post(target, {"file": png(), "reply_to": "x"}).status_code == 422

    assert Message.objects.count() == before


def test_a_supervisor_joins_an_agent_need_not_and_an_auditor_cannot(chat):
    supervisor = staff_client(chat.fed_staff)
    answer = supervisor.post(url("join", chat.case.pk))
    assert answer.status_code == 200 and answer.json()["access"]["post"]
    assert Message.objects.filter(conversation=chat.conversation, ref=f"join:{chat.fed_staff.pk}").exists()

    assert staff_client(chat.agent).post(url("join", chat.case.pk)).status_code == 200
    assert not Message.objects.filter(ref=f"join:{chat.agent.pk}").exists()
    refused = staff_client(chat.auditor).post(url("join", chat.case.pk))
    assert refused.status_code == 403 and refused.json() == {"error": "您不能加入此会话"}
    assert staff_client(chat.auditor).get(url("messages", chat.case.pk)).status_code == 200


def test_marking_read_moves_forward_only_and_clears_the_unread_count(chat):
    citizen = citizen_client(chat.case.applicant_mobile)
    viewer = Viewer(mobile=chat.case.applicant_mobile)
    access = services.access_for(chat.conversation, viewer)
    assert services.unread_count(chat.conversation, viewer, access) == 1  # the agent's answer

    assert citizen.post(url("read", chat.case.pk) + "?as=citizen", {"seq": 4}).json() == {"seq": 4}
    assert citizen.post(url("read", chat.case.pk) + "?as=citizen", {"seq": 2}).json() == {"seq": 4}
    assert citizen.post(url("read", chat.case.pk) + "?as=citizen", {"seq": "x"}).status_code == 422
    assert services.unread_count(chat.conversation, viewer, access) == 0


def test_the_case_pages_carry_the_panel_and_the_tracking_page_links_to_it(chat):
    page = staff_client(chat.agent).get(reverse("proxy:detail", args=[chat.case.pk]))
    html = page.content.decode()
    assert "data-conversation" in html and 'data-testid="conversation-internal"' in html
    assert f'data-ws="/ws/conversations/{PROXY_CASE}/{chat.case.pk}/"' in html
    assert 'data-testid="conversation-link-unread" hidden>0<' in html  # the agent answered: all read
    supervisor = (
        staff_client(chat.fed_staff).get(reverse("proxy:detail", args=[chat.case.pk])).content.decode()
    )
    assert (
        'data-testid="conversation-link-unread">3<' in supervisor
        and 'data-testid="conversation-join"' in supervisor
    )

    auditor = staff_client(chat.auditor).get(reverse("proxy:detail", args=[chat.case.pk])).content.decode()
    assert 'data-testid="conversation-form" novalidate hidden' in auditor

    citizen = citizen_client(chat.case.applicant_mobile).get(reverse("citizen:case", args=[chat.case.pk]))
    html = citizen.content.decode()
    assert "?as=citizen" in html and 'data-testid="conversation-internal"' not in html
    assert 'data-me="citizen"' in html

    track = Client().get(reverse("citizen:track"), {"number": chat.case.number, "code": chat.case.query_code})
    assert "进入代办群（需短信验证）" in track.content.decode()
    assert f"next=/my/cases/{chat.case.pk}/%23conversation" in track.content.decode()
