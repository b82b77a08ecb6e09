"""Files previewed in place and several files uploaded at once (issue 13, item 10).

A preview is the file's own address with ?preview=1: the same access rule (access.can_open_case_files;
the citizen's own case) and the same download audit row, plus headers that let the case page — and only
a page of this site — frame it. Several files chosen together are each checked as one upload: the good
ones are kept, the refused ones named with their reason; more than MAX_FILES_PER_UPLOAD are refused as a
whole."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shanghui.audit.models import AuditEntry
from shanghui.proxy import services
from shanghui.proxy.models import Case, CaseMaterial
from shanghui.proxy.tests.test_citizen_views import OTHER, as_citizen, citizen_case
from shanghui.proxy.workflow import AGENT
from shanghui.testing.cases import PDF, PNG

DOWNLOAD = "case.material.download"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _bad(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"not a picture at all", content_type="image/jpeg")


@pytest.fixture
def case(pw: SimpleNamespace) -> Case:
    case = pw.case_in("submitted")
    services.add_material(case=case, actor=pw.agent, upload=_png("户口簿本人页.png"), slot=1)
    return pw.act(case, "forward", AGENT, window=pw.window)  # the window's clerk handles it too


def _url(case: Case, material: CaseMaterial, *, preview: bool = True) -> str:
    return reverse("proxy:file", args=[case.pk, material.pk]) + ("?preview=1" if preview else "")


# --- preview ---------------------------------------------------------------------------------------


def test_the_case_page_offers_a_preview_of_each_file_it_may_open(client, pw, case):
    client.force_login(pw.agent)
    html = client.get(reverse("proxy:detail", args=[case.pk])).content.decode()
    pdf = case.materials.get(slot=0)
    png = case.materials.get(slot=1)
    assert f'data-preview="{_url(case, pdf)}" data-preview-kind="pdf"' in html
    assert f'data-preview="{_url(case, png)}" data-preview-kind="image"' in html
    assert 'id="file-preview"' in html and "js/preview.js" in html


def test_a_preview_is_framable_by_this_site_only_and_audited_as_a_download(client, pw, case):
    client.force_login(pw.clerk)
    material = case.materials.get(slot=0)
    before = AuditEntry.objects.filter(action=DOWNLOAD).count()

    response = client.get(_url(case, material))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'none': no script
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF
    entry = AuditEntry.objects.filter(action=DOWNLOAD).latest("pk")
    assert AuditEntry.objects.filter(action=DOWNLOAD).count() == before + 1
    assert entry.actor_id == pw.clerk.pk
    assert entry.detail == {"case_id": case.pk, "via": "staff", "preview": True}


def test_a_plain_download_is_not_framable(client, pw, case):
    client.force_login(pw.agent)
    response = client.get(_url(case, case.materials.get(slot=0), preview=False))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert AuditEntry.objects.filter(action=DOWNLOAD).latest("pk").detail == {
        "case_id": case.pk,
        "via": "staff",
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [("fed_admin", 403), ("auditor", 403), ("agent_b", 404), ("county_admin", 404), ("outsider", 404)],
)
def test_a_preview_is_refused_to_whoever_may_not_open_the_file(client, pw, case, persona, status):
    client.force_login(getattr(pw, persona))
    before = AuditEntry.objects.filter(action=DOWNLOAD).count()
    response = client.get(_url(case, case.materials.get(slot=0)))
    assert response.status_code == status
    assert AuditEntry.objects.filter(action=DOWNLOAD).count() == before
    # Nor does the page offer one.
    page = client.get(reverse("proxy:detail", args=[case.pk]))
    assert "data-preview=" not in page.content.decode()


def test_a_file_of_another_case_is_not_previewed_through_this_one(client, pw, case):
    other = pw.case_in("forwarded")
    client.force_login(pw.agent)
    response = client.get(_url(case, other.materials.get()))
    assert response.status_code == 404


def test_the_citizen_previews_the_files_of_their_own_case_only(client, pw):
    case = citizen_case(pw)
    services.add_material(case=case, actor=None, upload=_png("照片.png"), slot=1)
    material = case.materials.get()
    url = reverse("citizen:file", args=[case.pk, material.pk]) + "?preview=1"

    as_citizen(client)
    page = client.get(reverse("citizen:case", args=[case.pk])).content.decode()
    assert f'data-preview="{url}" data-preview-kind="image"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["X-Frame-Options"] == "SAMEORIGIN"
    entry = AuditEntry.objects.filter(action=DOWNLOAD).latest("pk")
    assert entry.detail == {"case_id": case.pk, "via": "citizen", "preview": True}

    other = Client()
    as_citizen(other, OTHER)
    assert other.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # no proved number: to the code step


# --- several files at once -------------------------------------------------------------------------


def _staff_upload(client: Client, case: Case, files: list[SimpleUploadedFile], slot: int | None = 0):
    data: dict[str, object] = {"file": files}
    if slot is not None:
        data["slot"] = slot
    return client.post(reverse("proxy:upload", args=[case.pk]), data)


def test_an_agent_uploads_several_files_into_one_slot(client, pw):
    case = pw.new_case()
    services.add_material(case=case, actor=pw.agent, upload=_pdf("旧.pdf"), slot=0)
    client.force_login(pw.agent)

    response = _staff_upload(client, case, [_pdf("首页.pdf"), _png("本人页.png")])

    assert response.status_code == 302
    current = case.materials.filter(slot=0, is_current=True).order_by("pk")
    assert [m.original_name for m in current] == ["首页.pdf", "本人页.png"]
    assert not case.materials.get(original_name="旧.pdf").is_current  # the chosen files replace the old one


def test_a_refused_file_is_named_and_the_others_are_kept(client, pw):
    case = pw.new_case()
    client.force_login(pw.agent)

    response = _staff_upload(client, case, [_pdf("首页.pdf"), _bad("IMG_0001.heic"), _png("本人页.png")])

    assert response.status_code == 422
    html = response.content.decode()
    assert "已上传 2 个文件；以下文件未上传：IMG_0001.heic：只能上传 JPG、PNG、WebP 图片或 PDF 文件" in html
    assert sorted(case.materials.filter(is_current=True).values_list("original_name", flat=True)) == [
        "本人页.png", "首页.pdf",
    ]  # fmt: skip


def test_too_many_files_at_once_are_refused_as_a_whole(client, pw):
    case = pw.new_case()
    client.force_login(pw.agent)
    files = [_pdf(f"第{n}页.pdf") for n in range(services.MAX_FILES_PER_UPLOAD + 1)]

    response = _staff_upload(client, case, files, slot=None)

    assert response.status_code == 422
    assert "一次最多上传 10 个文件，您选择了 11 个，请分批上传" in response.content.decode()
    assert not case.materials.exists()


def test_quotas_count_each_file(client, pw, settings):
    settings.STAFF_CASE_MAX_FILES = 2
    case = pw.new_case()
    client.force_login(pw.agent)
    response = _staff_upload(client, case, [_pdf("a.pdf"), _pdf("b.pdf"), _pdf("c.pdf")], slot=None)
    assert response.status_code == 422
    assert "以下文件未上传：c.pdf：" in response.content.decode()
    assert case.materials.count() == 2


def test_an_agent_of_another_point_and_outsiders_upload_nothing(client, pw):
    case = pw.new_case()
    for persona, status in (("agent_b", 404), ("outsider", 404), ("fed_admin", 403)):
        client.force_login(getattr(pw, persona))
        assert _staff_upload(client, case, [_pdf("a.pdf"), _pdf("b.pdf")]).status_code == status
    assert not case.materials.exists()


def test_the_citizen_uploads_several_files_at_once(client, pw):
    case = citizen_case(pw)
    as_citizen(client)
    url = reverse("citizen:upload", args=[case.pk, 0])

    response = client.post(
        url, {"file": [_pdf("首页.pdf"), _bad("坏.jpg"), _png("本人页.png")]}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "已上传：首页.pdf、本人页.png。以下文件未上传：坏.jpg：只能上传 JPG、PNG、WebP 图片或 PDF 文件"
        in html
    )
    assert case.materials.filter(slot=0, is_current=True).count() == 2

    ok = client.post(url, {"file": [_pdf("新首页.pdf"), _pdf("新本人页.pdf")]}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "已上传：新首页.pdf、新本人页.pdf" in ok.content.decode()
    assert sorted(case.materials.filter(slot=0, is_current=True).values_list("original_name", flat=True)) == [
        "新本人页.pdf", "新首页.pdf",
    ]  # fmt: skip
