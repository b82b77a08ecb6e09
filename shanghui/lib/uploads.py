"""Checking uploaded files by their content: what people may upload (case materials, conversation
files, result documents), recognised by the first bytes, never by name or the browser's word."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

# Accepted file types: (first bytes, content type, extension). WebP is recognised apart (RIFF….WEBP).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload, or ValidationError in Chinese.
    The size limit is PROXY_MAX_UPLOAD_MB (the setting kept its first user's name)."""
    limit = settings.PROXY_MAX_UPLOAD_MB * 1024 * 1024
    if not upload.size:
        raise ValidationError(_("文件是空的，请重新选择"), code="empty")
    if upload.size > limit:
        raise ValidationError(f"文件超过 {settings.PROXY_MAX_UPLOAD_MB} MB，请压缩后再上传", code="too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(_("只能上传 JPG、PNG、WebP 图片或 PDF 文件"), code="bad_type")
    return kind


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
