"""The chamber's thank-you letter and acknowledgement of a gift to its own account, as a PDF.

It is not an official donation receipt (公益事业捐赠票据), which only a qualified issuer gives (a charity
or the finance bureau's system): the PDF says so in its title and its footer. ReportLab's built-in CJK
font, as the proxy case receipt."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from shanghui.donations.models import Gift
from shanghui.donations.money import yuan_text
from shanghui.lib.pdf import BODY, GRID, HEADING, LABEL, SMALL, TITLE

NOT_A_RECEIPT = "本确认书仅为商会收款确认和感谢，不是公益事业捐赠票据，不能作为税前扣除凭证；捐赠票据由具有开票资格的单位开具。"


def _p(text: str, style: object = BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def acknowledgement_pdf(gift: Gift) -> HttpResponse:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                            title="捐赠感谢信及收款确认", author=gift.fund.organiser.name)  # fmt: skip
    donor = gift.donor.display_name
    what = (
        yuan_text(gift.amount_fen)
        if gift.kind == Gift.Kind.MONEY
        else f"{gift.description} {gift.quantity}{gift.unit}"
    )
    story = [
        _p("感谢信", TITLE),
        Spacer(1, 4 * mm),
        _p(f"尊敬的{donor}："),
        _p(f"　　感谢您于 {gift.received_on:%Y年%m月%d日} 向“{gift.fund.name}”捐赠{what}。"
           f"您的爱心将用于：{gift.fund.purpose}。善款去向将按规定公示，欢迎监督。"),
        Spacer(1, 3 * mm),
        _p(gift.fund.organiser.name, LABEL),
        _p(f"{timezone.localdate():%Y年%m月%d日}", LABEL),
        Spacer(1, 6 * mm),
        _p("收款确认（非捐赠票据）", HEADING),
    ]  # fmt: skip
    rows = [
        [_p("登记号", LABEL), _p(gift.number)],
        [_p("捐赠人", LABEL), _p(donor)],
        [_p("基金", LABEL), _p(gift.fund.name)],
        [_p("捐赠形式", LABEL), _p(gift.get_kind_display())],
        [_p("金额/物资", LABEL), _p(what)],
        [_p("接收账户", LABEL), _p(f"{gift.fund.organiser.name}（{gift.get_channel_display()}）")],
        [_p("接收日期", LABEL), _p(f"{gift.received_on:%Y-%m-%d}")],
    ]
    table = Table(rows, colWidths=[32 * mm, 138 * mm])
    table.setStyle(GRID)
    story += [table, Spacer(1, 5 * mm), _p(NOT_A_RECEIPT, SMALL)]
    doc.build(story)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"感谢信-{gift.number}.pdf") or ""
    return response
