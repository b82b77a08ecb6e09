"""The receipt (回执) of a proxy case as a PDF, in Chinese, with a QR code to the public tracking page.

ReportLab's built-in CJK font (STSong-Light, a CID font every PDF reader has) needs no font file.
Numbers and codes are set in Courier: easier to read back over the phone, and plain text in the PDF.
The applicant appears masked (name, ID number, mobile): a receipt is handed around and photographed.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shanghui.catalog.models import Delivery, LimitUnit
from shanghui.lib.pdf import BODY, GRID, HEADING, LABEL, MONO, SMALL, TITLE
from shanghui.proxy.access import get_case_for_user
from shanghui.proxy.models import Case, CaseMaterial, Channel
from shanghui.proxy.poa import poa_paragraphs

# How the applicant confirmed the power of attorney, by the case's channel.
POA_CONFIRMED_BY: dict[str, str] = {
    Channel.CITIZEN: "申请人在线申请时确认",
    Channel.AGENT: "代办员代为录入，申请人当面确认",
    Channel.API: "经接口提交，申请人已确认",
}


def tracking_url(request: HttpRequest, case: Case) -> str:
    """The public tracking page with this case's number and query code filled in (absolute URL)."""
    query = urlencode({"number": case.number, "code": case.query_code})
    return request.build_absolute_uri(f"{reverse('citizen:track')}?{query}")


def _text(value: object) -> str:
    return escape(str(value or ""))


def _mono(value: object) -> str:
    return f'<font name="{MONO}">{_text(value)}</font>'


def _when(value: object) -> str:
    if value is None:
        return "—"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


def limit_text(snapshot: dict[str, object]) -> str:
    days, unit = snapshot.get("promised_limit"), snapshot.get("promised_limit_unit")
    label = "承诺时限"
    if not days:
        days, unit, label = snapshot.get("legal_limit"), snapshot.get("legal_limit_unit"), "法定时限"
    if not days:
        return "未规定"
    return f"{label} {days} 个{'自然日' if unit == LimitUnit.CALENDAR_DAYS else '工作日'}（自受理之日起）"


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _table(rows: list[list[object]], widths: list[float], style: TableStyle = GRID) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(style)
    return table


def build_receipt(case: Case, *, url: str, compress: bool = True) -> bytes:
    """The receipt of `case` as PDF bytes; `url` is the tracking link the QR code carries."""
    snapshot = case.item_version.snapshot
    point = case.proxy_point
    chamber = point.parent
    address = point.address or (chamber.address if chamber else "")
    phone = point.contact_phone or (chamber.contact_phone if chamber else "")
    contact = point.contact_name or (chamber.contact_name if chamber else "")
    # By slot, the extra files (no slot) last.
    materials = sorted(
        CaseMaterial.objects.filter(case=case, is_current=True, is_result=False),
        key=lambda m: (m.slot is None, m.slot or 0, m.uploaded_at),
    )
    width = A4[0] - 36 * mm

    def row(label: str, value: str) -> list[object]:
        return [Paragraph(label, LABEL), Paragraph(value, BODY)]

    story: list[object] = [
        Paragraph("商会+ 政会联通代办 申请回执", TITLE),
        Paragraph(
            "家乡事 异地办，零跑腿办成家乡事", ParagraphStyle("sub", parent=SMALL, alignment=TA_CENTER)
        ),
        Spacer(1, 5 * mm),
    ]
    codes = [
        row("办件编号", _mono(case.number)),
        row("查询码", _mono(case.query_code)),
        row("当前状态", _text(case.get_status_display())),
        row("出具时间", _mono(_when(timezone.now()))),
    ]
    qr_size = 36 * mm
    story.append(
        _table(
            [[_table(codes, [22 * mm, width - qr_size - 30 * mm]), _qr(url, qr_size)]],
            [width - qr_size - 6 * mm, qr_size + 6 * mm],
            TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]),
        )
    )
    story.append(Paragraph("扫描二维码，或在“商会+”输入办件编号和查询码，查询办理进度。", SMALL))

    story.append(Paragraph("申请信息", HEADING))
    version = f"（版本 {_mono(case.item_version.number)}）"
    story.append(
        _table(
            [
                row("申请人", _text(case.masked_applicant)),
                row("身份证号", _mono(case.masked_id_number)),
                row("手机号码", _mono(case.masked_mobile)),
                row("办理事项", _text(snapshot.get("name", "")) + version),
                row("实施部门", _text(snapshot.get("department_name", "") or case.department.name)),
                row("办理时限", _text(limit_text(snapshot))),
                row("提交时间", _mono(_when(case.submitted_at or case.created_at))),
                row("预审时限", _mono(_when(case.review_due_at))),
                row("受理时限", _mono(_when(case.acceptance_due_at))),
                row("办结时限", _mono(_when(case.processing_due_at))),
            ],
            [28 * mm, width - 28 * mm],
        )
    )

    story.append(Paragraph("已收材料", HEADING))
    if materials:
        head = [Paragraph(t, LABEL) for t in ("序号", "材料名称", "文件", "上传时间")]
        rows: list[list[object]] = [head]
        for material in materials:
            number = str(material.slot + 1) if material.slot is not None else "—"
            rows.append(
                [
                    Paragraph(_mono(number), BODY),
                    Paragraph(_text(material.name), BODY),
                    Paragraph(_text(material.original_name), SMALL),
                    Paragraph(_mono(_when(material.uploaded_at)), SMALL),
                ]
            )
        style = TableStyle([*GRID.getCommands(), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                            ("BACKGROUND", (0, 1), (0, -1), colors.white)])  # fmt: skip
        story.append(_table(rows, [12 * mm, 62 * mm, width - 110 * mm, 36 * mm], style))
    else:
        story.append(Paragraph("尚未收到材料。", BODY))

    story.append(Paragraph("代办点", HEADING))
    deliveries = dict(Delivery.choices)
    methods = "、".join(str(deliveries.get(m, m)) for m in snapshot.get("delivery_methods") or [])
    story.append(
        _table(
            [
                row("商会", _text(chamber.name if chamber else "")),
                row("代办点", _text(point.name)),
                row("地址", _text(address or "—")),
                row("联系人", _text(contact or "—")),
                row("联系电话", _mono(phone or "—")),
                row("结果送达", _text(methods or "到代办点领取")),
            ],
            [28 * mm, width - 28 * mm],
        )
    )
    story.append(Paragraph("委托书", HEADING))
    # The text the applicant confirmed (proxy/poa.py, the same on every channel), in Chinese as the
    # rest of the receipt, whatever language the page that asked for it was in.
    with translation.override("zh-hans"):
        paragraphs = poa_paragraphs(item=str(snapshot.get("name", "")), point=point.name)
    for paragraph in paragraphs:
        story.append(Paragraph(_text(paragraph), BODY))
    how = POA_CONFIRMED_BY.get(case.channel, "")
    confirmed = f"申请人确认时间：{_mono(_when(case.poa_confirmed_at))}{f'（{how}）' if how else ''}"
    story.append(Paragraph(confirmed if case.poa_confirmed_at else "申请人尚未确认委托书。", BODY))
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "请妥善保管本回执。办理过程中如需补正材料，代办点将以短信通知您；本回执不作为办理结果的证明。",
            SMALL,
        )
    )

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"回执 {case.number}",
        author="商会+",
        pageCompression=1 if compress else 0,
    )
    document.build(story)
    return buffer.getvalue()


def receipt_response(request: HttpRequest, case: Case) -> HttpResponse:
    pdf = build_receipt(case, url=tracking_url(request, case))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"回执-{case.number}.pdf") or "inline"
    # Personal data (masked, still): never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def staff_receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    """/cases/<id>/receipt.pdf: for staff who can see the case (printed at the proxy point)."""
    case = get_case_for_user(request.user, case_id)  # type: ignore[arg-type]
    return receipt_response(request, case)
