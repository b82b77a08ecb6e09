"""志愿服务证明: the approved hours of a volunteer at an organisation (and those below it) for a period, as a
numbered PDF in Chinese with the masked ID number and a QR code to the public verification page, which
says whether it is valid (a void certificate says so). Issuing and voiding are audited.

ReportLab's built-in CJK font (STSong-Light) needs no font file, as for the proxy receipt.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from shanghui.accounts.models import User
from shanghui.activities.models import Certificate, HourRecord, HourState, Volunteer
from shanghui.audit.actions import AuditAction
from shanghui.audit.services import record
from shanghui.lib.masking import mask_id_number
from shanghui.orgs.models import Organisation

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("cert-body", fontName=FONT, fontSize=12, leading=22, wordWrap="CJK", firstLineIndent=24)
TITLE = ParagraphStyle("cert-title", fontName=FONT, fontSize=22, leading=32, alignment=TA_CENTER)
RIGHT = ParagraphStyle("cert-right", fontName=FONT, fontSize=12, leading=20, alignment=TA_RIGHT)
SMALL = ParagraphStyle("cert-small", fontName=FONT, fontSize=9, leading=13)
MAX_PERIOD_DAYS = 366 * 5


def _approved(volunteer: Volunteer, organisation: Organisation, start: dt.date, end: dt.date) -> object:
    return HourRecord.objects.filter(
        volunteer=volunteer, state=HourState.APPROVED, organisation__path__startswith=organisation.path,
        served_on__gte=start, served_on__lte=end,
    )  # fmt: skip


def issue(
    *, actor: User | None, volunteer: Volunteer, organisation: Organisation, period_start: dt.date,
    period_end: dt.date, request: HttpRequest | None = None,
) -> Certificate:  # fmt: skip
    """Issue a certificate for the approved hours in the period (refused when there are none). `actor`
    None: the volunteer asked for it on their own page."""
    if period_end < period_start:
        raise ValidationError({"period_end": "结束日期不能早于开始日期"})
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"period_end": "证明期间不能超过五年"})
    rows = _approved(volunteer, organisation, period_start, period_end)
    totals = rows.aggregate(hours=Sum("hours"), n=Count("pk"))  # type: ignore[attr-defined]
    if not totals["n"]:
        raise ValidationError(_("该期间在该组织没有已认定的志愿服务时长"))
    kinds = (
        rows.values("kind__name").annotate(h=Sum("hours"), n=Count("pk")).order_by("-h")  # type: ignore[attr-defined]
    )
    content = "；".join(
        f"{k['kind__name']} {k['n']} 次，{Decimal(k['h']).quantize(Decimal('0.1'))} 小时" for k in kinds
    )
    titles = list(rows.order_by("served_on").values_list("activity__title", flat=True).distinct()[:6])  # type: ignore[attr-defined]
    content += "。主要活动：" + "、".join(dict.fromkeys(titles))
    now = timezone.now()
    with transaction.atomic():
        cert = Certificate.objects.create(
            number=f"TMP-{now.timestamp()}-{volunteer.pk}", volunteer=volunteer, organisation=organisation,
            period_start=period_start, period_end=period_end, hours=Decimal(totals["hours"]).quantize(Decimal("0.1")),
            content=content[:2000], issued_at=now, issued_by=actor,
        )  # fmt: skip
        cert.number = f"ZYFW{timezone.localtime(now):%Y}{cert.pk:06d}"
        cert.save(update_fields=["number"])
        record(
            actor=actor, action=AuditAction.VOLUNTEER_CERTIFICATE_ISSUE, obj=cert, request=request,
            detail={"volunteer": volunteer.pk, "organisation": organisation.pk, "hours": str(cert.hours),
                    "self_service": actor is None},
        )  # fmt: skip
    return cert


def void(
    *, actor: User, certificate: Certificate, reason: str, request: HttpRequest | None = None
) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因"})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.void:
            raise ValidationError(_("该证明已作废"))
        locked.void, locked.void_reason = True, reason[:200]
        locked.save(update_fields=["void", "void_reason"])
        record(actor=actor, action=AuditAction.VOLUNTEER_CERTIFICATE_VOID, obj=locked, request=request,
               detail={"number": locked.number})  # fmt: skip
    return locked


def verify_url(request: HttpRequest, cert: Certificate) -> str:
    return request.build_absolute_uri(reverse("volunteer:verify", args=[cert.token]))


def pdf(request: HttpRequest, cert: Certificate) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm, bottomMargin=20 * mm,
        title=f"志愿服务证明 {cert.number}",
    )  # fmt: skip
    volunteer = cert.volunteer
    id_text = f"（身份证号 {mask_id_number(volunteer.id_number)}）" if volunteer.id_number else ""
    start, end = cert.period_start, cert.period_end
    body = (
        f"兹证明 {escape(volunteer.name)}{id_text} 于 {start.year}年{start.month}月{start.day}日 至 "
        f"{end.year}年{end.month}月{end.day}日 期间参加{escape(cert.organisation.name)}组织的志愿服务活动，"
        f"经认定累计志愿服务时长 <b>{cert.hours}</b> 小时。"
    )
    qr = QrCodeWidget(verify_url(request, cert))
    x0, y0, x1, y1 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    issued = timezone.localtime(cert.issued_at)
    story = [
        Paragraph("志愿服务证明", TITLE),
        Spacer(1, 6 * mm),
        Paragraph(f"编号：{escape(cert.number)}", SMALL),
        Spacer(1, 6 * mm),
        Paragraph(body, BODY),
        Paragraph(f"服务内容：{escape(cert.content)}", BODY),
        Paragraph("特此证明。", BODY),
        Spacer(1, 14 * mm),
        Paragraph(escape(cert.organisation.name), RIGHT),
        Paragraph(f"{issued.year}年{issued.month}月{issued.day}日", RIGHT),
        Spacer(1, 10 * mm),
        Table([[drawing, Paragraph("扫描二维码可核验本证明的真伪和有效性。本证明依据《志愿服务条例》由活动组织单位出具，"
                                   "时长以组织者审核认定的记录为准。", SMALL)]], colWidths=[36 * mm, None]),
    ]  # fmt: skip
    if cert.void:
        story.insert(1, Paragraph("【本证明已作废】", TITLE))
    doc.build(story)
    return buffer.getvalue()
