"""Materials are checked by content, not by name or the browser's word, size-limited, and refused with a
clear Chinese message that leaves nothing behind: no CaseMaterial row, no file on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shanghui.proxy import services
from shanghui.proxy.models import Case, CaseMaterial
from shanghui.testing.cases import PDF, PNG, pdf_upload

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
BAD_TYPE = "只能上传 JPG、PNG、WebP 图片或 PDF 文件"


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def draft(pw: SimpleNamespace) -> Case:
    case: Case = pw.new_case()
    return case


def refused(pw: SimpleNamespace, case: Case, upload: SimpleUploadedFile) -> str:
    """Upload, expect a refusal, check nothing was kept, and return the message."""
    with pytest.raises(ValidationError) as info:
        services.add_material(case=case, actor=pw.agent, upload=upload, slot=0)
    assert not CaseMaterial.objects.filter(case=case).exists()
    assert stored_files() == []
    return " ".join(info.value.messages)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("户口簿.pdf", "这是一个文本文件，不是 PDF".encode(), "application/pdf"),
        ("照片.jpg", EXE, "image/jpeg"),
        ("setup.exe", EXE, "application/octet-stream"),
        ("户口簿.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
    ],
    ids=["text-named-pdf", "exe-named-jpg", "exe", "html-named-pdf"],
)
def test_a_file_of_the_wrong_type_is_refused_whatever_its_name(pw, draft, name, content, content_type):
    assert refused(pw, draft, SimpleUploadedFile(name, content, content_type=content_type)) == BAD_TYPE


def test_an_oversize_file_is_refused(pw, draft, settings):
    settings.PROXY_MAX_UPLOAD_MB = 1
    big = PDF + b"0" * (1024 * 1024 + 512 * 1024)  # a valid PDF header, 1.5 MB
    assert refused(pw, draft, SimpleUploadedFile("扫描件.pdf", big, content_type="application/pdf")) == (
        "文件超过 1 MB，请压缩后再上传"
    )


def test_an_empty_file_is_refused(pw, draft):
    assert refused(pw, draft, SimpleUploadedFile("空.pdf", b"", content_type="application/pdf")) == (
        "文件是空的，请重新选择"
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("IMG_0001.JPG", JPEG, "image/jpeg", ".jpg"),
        ("户口簿.png", PNG, "image/png", ".png"),
        ("户口簿.pdf", PDF, "application/pdf", ".pdf"),
        # The name lies, the content decides: a PNG sent as "scan.pdf" is stored as a PNG.
        ("scan.pdf", PNG, "image/png", ".png"),
    ],
    ids=["jpeg", "png", "pdf", "png-named-pdf"],
)
def test_a_valid_image_or_pdf_is_accepted_and_stored(pw, draft, name, content, content_type, extension):
    material = services.add_material(
        case=draft,
        actor=pw.agent,
        upload=SimpleUploadedFile(name, content, content_type="text/plain"),
        slot=0,
    )

    material.refresh_from_db()
    assert (material.content_type, material.size, material.original_name) == (
        content_type,
        len(content),
        name,
    )
    assert material.sha256 == hashlib.sha256(content).hexdigest()
    assert material.name == "居民户口簿" and material.is_current and material.uploaded_by == pw.agent
    assert material.file.name.endswith(extension) and draft.number in material.file.name
    assert [p.read_bytes() for p in stored_files()] == [content]


def test_a_re_upload_replaces_the_slot_and_keeps_the_old_file_on_record(pw, draft):
    first = services.add_material(case=draft, actor=pw.agent, upload=pdf_upload("户口簿.pdf"), slot=0)
    second = services.add_material(case=draft, actor=None, upload=pdf_upload("户口簿（重拍）.pdf"), slot=0)
    extra = services.add_material(case=draft, actor=None, upload=pdf_upload("其他.pdf"), slot=None)

    first.refresh_from_db()
    assert not first.is_current
    assert list(draft.materials.filter(slot=0, is_current=True)) == [second]
    assert extra.is_current and extra.name == "其他材料"
    assert CaseMaterial.objects.filter(case=draft).count() == 3
    assert services.missing_required(draft) == []


def test_a_slot_the_item_does_not_have_is_refused(pw, draft):
    with pytest.raises(ValidationError, match="没有这一项材料"):
        services.add_material(case=draft, actor=pw.agent, upload=pdf_upload(), slot=9)
    assert not CaseMaterial.objects.filter(case=draft).exists()


def test_uploads_are_refused_after_forwarding(pw):
    # Given a case forwarded to the window
    case = pw.case_in("forwarded")
    before = CaseMaterial.objects.filter(case=case).count()
    files = stored_files()

    # When someone tries to add a file
    with pytest.raises(ValidationError) as info:
        services.add_material(case=case, actor=pw.agent, upload=pdf_upload("补充.pdf"), slot=1)

    # Then it is refused in Chinese, and nothing was added
    assert info.value.messages == ["办件当前状态为“已转递，待受理”，不能再上传材料"]
    assert CaseMaterial.objects.filter(case=case).count() == before
    assert stored_files() == files
