"""Upload quotas (proxy/quotas.py): files and megabytes per case, megabytes per person per day, citizens
stricter than staff. Driven through the citizen's pages, the agent's page and the conversation's upload;
a refused upload says why, in the card that caused it, and stores nothing (no row, no file)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanghui.conversations.models import Message
from shanghui.conversations.tests.conftest import citizen_client, staff_client
from shanghui.orgs.models import Role
from shanghui.proxy.models import Case, CaseMaterial
from shanghui.proxy.owner import PROXY_CASE
from shanghui.proxy.tests.test_citizen_views import MOBILE, OTHER, as_citizen, citizen_case, upload
from shanghui.testing.cases import PDF, pdf_upload
from shanghui.testing.personas import person

HTMX = {"HTTP_HX_REQUEST": "true"}
KB = 1024


def pdf_of(size: int, name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + b"0" * (size - len(PDF)), content_type="application/pdf")


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def card_error(response: Any) -> str:
    match = re.search(r'data-testid="upload-error">([^<]*)<', response.content.decode())
    return match.group(1) if match else ""


def conversation_upload(client: Client, case: Case, file: SimpleUploadedFile, *, as_citizen: bool) -> Any:
    url = reverse("conversations:upload", args=[PROXY_CASE, case.pk]) + ("?as=citizen" if as_citizen else "")
    return client.post(url, {"file": file})


def test_a_citizen_cannot_put_more_files_on_a_case_than_the_limit(client, pw, settings):
    settings.CITIZEN_CASE_MAX_FILES = 3
    case = citizen_case(pw)
    as_citizen(client)
    for n in range(3):
        assert upload(client, case, None, pdf_upload(f"第{n}页.pdf"), **HTMX).status_code == 200
    files = stored_files()

    refused = upload(client, case, None, pdf_upload("第4页.pdf"), **HTMX)

    assert refused.status_code == 422
    assert card_error(refused) == "本办件已存有 3 个文件，达到上限 3 个，不能再上传"
    assert case.materials.count() == 3 and stored_files() == files
    # Replacing a slot's file adds one too (the old version stays on record): also refused.
    assert upload(client, case, 0, pdf_upload("户口簿.pdf"), **HTMX).status_code == 422


def test_the_cases_conversation_files_count_with_its_materials(pw, settings):
    settings.CITIZEN_CASE_MAX_FILES = 2
    case = citizen_case(pw)
    client = citizen_client(MOBILE)
    assert upload(client, case, 0, pdf_upload(), **HTMX).status_code == 200
    assert conversation_upload(client, case, pdf_upload("补充.pdf"), as_citizen=True).status_code == 201

    by_chat = conversation_upload(client, case, pdf_upload("再补充.pdf"), as_citizen=True)
    by_page = upload(client, case, 1, pdf_upload("照片.pdf"), **HTMX)

    assert (
        by_chat.status_code == 422
        and by_chat.json()["error"] == "本办件已存有 2 个文件，达到上限 2 个，不能再上传"
    )
    assert by_page.status_code == 422 and "达到上限 2 个" in card_error(by_page)
    assert Message.objects.exclude(file="").count() == 1 and case.materials.count() == 1


def test_a_case_holds_at_most_so_many_megabytes(client, pw, settings):
    settings.CITIZEN_CASE_MAX_MB = 1
    case = citizen_case(pw)
    as_citizen(client)
    assert upload(client, case, 0, pdf_of(600 * KB), **HTMX).status_code == 200

    refused = upload(client, case, 1, pdf_of(600 * KB), **HTMX)

    assert refused.status_code == 422
    assert card_error(refused) == "本办件的文件已有 0.6 MB，再传这个文件将超过上限 1 MB"
    assert case.materials.count() == 1
    assert upload(client, case, 1, pdf_of(300 * KB), **HTMX).status_code == 200  # what still fits


def test_a_citizen_uploads_so_many_megabytes_a_day_across_cases_and_conversations(client, pw, settings):
    settings.CITIZEN_DAILY_UPLOAD_MB = 1
    first, second = citizen_case(pw), citizen_case(pw)
    as_citizen(client)
    assert upload(client, first, 0, pdf_of(400 * KB), **HTMX).status_code == 200
    assert conversation_upload(client, first, pdf_of(400 * KB), as_citizen=True).status_code == 201

    refused = upload(client, second, 0, pdf_of(400 * KB), **HTMX)

    assert refused.status_code == 422
    assert card_error(refused) == "您今天已上传 0.8 MB，再传这个文件将超过每天 1 MB 的上限，请明天再传"
    assert not second.materials.exists()
    # Another citizen's day is their own.
    theirs = citizen_case(pw, mobile=OTHER)
    assert upload(as_citizen(Client(), OTHER), theirs, 0, pdf_of(400 * KB), **HTMX).status_code == 200


def test_staff_limits_are_looser_than_citizens(pw, settings):
    for name in ("CASE_MAX_FILES", "CASE_MAX_MB", "DAILY_UPLOAD_MB"):
        assert getattr(settings, f"STAFF_{name}") > getattr(settings, f"CITIZEN_{name}") > 0, name
    settings.CITIZEN_CASE_MAX_FILES, settings.STAFF_CASE_MAX_FILES = 2, 3
    case = citizen_case(pw)
    citizen, agent = citizen_client(MOBILE), staff_client(pw.agent)
    upload(citizen, case, 0, pdf_upload(), **HTMX)
    upload(citizen, case, 1, pdf_upload(), **HTMX)
    assert upload(citizen, case, 2, pdf_upload(), **HTMX).status_code == 422
    material_url = reverse("proxy:upload", args=[case.pk])

    # The agent adds the case's third file; the fourth is over the staff limit too.
    assert agent.post(material_url, {"slot": 2, "file": pdf_upload()}).status_code == 302
    refused = agent.post(material_url, {"slot": 2, "file": pdf_upload()})

    assert refused.status_code == 422
    assert card_error(refused) == "本办件已存有 3 个文件，达到上限 3 个，不能再上传"
    assert case.materials.count() == 3


def test_a_staff_members_day_counts_their_uploads_everywhere(pw, settings):
    settings.STAFF_DAILY_UPLOAD_MB = 1
    first, second = pw.new_case(), pw.new_case()
    agent = staff_client(pw.agent)
    assert (
        agent.post(
            reverse("proxy:upload", args=[first.pk]), {"slot": 0, "file": pdf_of(600 * KB)}
        ).status_code
        == 302
    )

    by_chat = conversation_upload(agent, second, pdf_of(600 * KB), as_citizen=False)

    assert by_chat.status_code == 422
    assert by_chat.json()["error"].startswith("您今天已上传 0.6 MB")
    assert not Message.objects.exclude(file="").exists()
    # A colleague's day is their own.
    colleague = person("agent2", (pw.point_a, Role.AGENT))
    assert (
        conversation_upload(staff_client(colleague), second, pdf_of(600 * KB), as_citizen=False).status_code
        == 201
    )
    assert CaseMaterial.objects.count() == 1
