"""The documents a dispute produces, as PDFs (ReportLab's built-in STSong-Light, no font file):

* the mediation agreement (调解协议书) with what art. 29 of the People's Mediation Law requires — the
  parties' basic facts, the main facts of the dispute and the issues, the agreed terms, how and by when
  they are performed — with lines for the parties' and mediators' signatures and the committee's seal,
  in three copies (one for each side, one for the committee);
* the application pack for judicial confirmation (司法确认申请书, art. 33): the joint application, the
  agreement, and the list of identity and authority documents the court asks for.

Pages and the parties' pages answer both from the dispute as it stands; nothing is stored.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shanghui.mediation.models import Dispute, Outcome, PartyKind, Side

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("m-body", fontName=FONT, fontSize=11, leading=18, wordWrap="CJK")
TITLE = ParagraphStyle("m-title", parent=BODY, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4)
SUB = ParagraphStyle(
    "m-sub", parent=BODY, fontSize=10, alignment=TA_CENTER, textColor=colors.HexColor("#555555")
)
HEADING = ParagraphStyle("m-heading", parent=BODY, fontSize=12, leading=20, spaceBefore=8, spaceAfter=2)
GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 10),
                   ("BOTTOMPADDING", (0, 0), (-1, -1), 10)])  # fmt: skip
NOT_READY = "尚未达成书面调解协议"


def _p(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _party_lines(dispute: Dispute) -> list[Paragraph]:
    lines = []
    for party in dispute.parties.all():
        if party.kind == PartyKind.ENTERPRISE:
            text = (f"{party.get_side_display()}：{party.name}，统一社会信用代码 {party.credit_code}，"
                    f"法定代表人（代理人）{party.representative or '—'}，地址 {party.address or '—'}。")  # fmt: skip
        else:
            text = f"{party.get_side_display()}：{party.name}，地址 {party.address or '—'}。"
        lines.append(_p(text))
    return lines


def agreement_story(dispute: Dispute, copy: str) -> list[Any]:
    mediators = [a.mediator.display_name for a in dispute.assignments.filter(recused_at__isnull=True)
                 .select_related("mediator")]  # fmt: skip
    due = dispute.performance_due.isoformat() if dispute.performance_due else "协议生效后即时"
    story: list[Any] = [
        _p(dispute.committee.name, SUB), _p("人民调解协议书", TITLE),
        _p(f"编号：{dispute.number}　　（{copy}）", SUB), Spacer(1, 6 * mm),
        _p("一、当事人基本情况", HEADING), *_party_lines(dispute),
        _p("二、纠纷的主要事实、争议事项", HEADING), _p(dispute.facts), _p(f"争议事项：{dispute.issues or '—'}"),
        _p("三、经调解，各方当事人自愿达成如下协议", HEADING), _p(dispute.terms),
        _p("四、履行方式、时限", HEADING), _p(f"履行方式：{dispute.performance_method or '—'}"), _p(f"履行期限：{due}"),
        _p("五、其他", HEADING),
        _p("本协议经各方当事人签名（盖章）、人民调解员签名并加盖人民调解委员会印章之日起生效。经人民调解委员会调解"
           "达成的调解协议，具有法律约束力，当事人应当按照约定履行。双方当事人可以自调解协议生效之日起三十日内共同向"
           "人民法院申请司法确认。本协议一式三份，双方当事人、人民调解委员会各持一份。"),
        Spacer(1, 8 * mm),
    ]  # fmt: skip
    signatures = [
        [_p(f"{p.get_side_display()}（签名、盖章）：{p.name}"), _p("")] for p in dispute.parties.all()
    ]
    signatures.append([_p(f"人民调解员（签名）：{'、'.join(mediators) or '—'}"), _p("")])
    signatures.append([_p(f"{dispute.committee.name}（印章）"), _p("　　年　　月　　日")])
    table = Table(signatures, colWidths=[110 * mm, 55 * mm])
    table.setStyle(GRID)
    story.append(table)
    return story


def _render(story: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=title, author="商会+")  # fmt: skip
    doc.build(story)
    return buffer.getvalue()


def agreement_pdf(dispute: Dispute) -> bytes:
    """Three copies, each on its own pages."""
    story: list[Any] = []
    for n, copy in enumerate(("申请人执", "被申请人执", "调解委员会存档")):
        if n:
            story.append(PageBreak())
        story += agreement_story(dispute, copy)
    return _render(story, f"调解协议书 {dispute.number}")


def confirmation_pdf(dispute: Dispute) -> bytes:
    applicants = "、".join(p.name for p in dispute.parties.all() if p.side == Side.APPLICANT)
    respondents = "、".join(p.name for p in dispute.parties.all() if p.side == Side.RESPONDENT)
    effective = f"{timezone.localtime(dispute.effective_at):%Y年%m月%d日}" if dispute.effective_at else "—"
    story: list[Any] = [
        _p("司法确认申请书", TITLE), Spacer(1, 4 * mm), _p(f"受理法院：{dispute.court or '（请填写）'}"),
        _p("申请人（各方当事人）", HEADING), *_party_lines(dispute),
        _p("请求事项", HEADING),
        _p(f"请求人民法院确认申请人{applicants}与{respondents}于{effective}经{dispute.committee.name}主持调解达成的"
           f"人民调解协议（编号 {dispute.number}）有效。"),
        _p("事实和理由", HEADING),
        _p("上述调解协议系各方当事人在人民调解委员会主持下自愿达成，内容不违反法律、行政法规的强制性规定，不损害国家利益、"
           "社会公共利益和他人合法权益。依照《中华人民共和国人民调解法》第三十三条，各方当事人自调解协议生效之日起三十日内"
           "共同申请司法确认。"),
        _p("附：申请材料清单", HEADING),
        _p("1. 人民调解协议书（原件）；\n2. 各方当事人的身份证明：自然人的居民身份证复印件，企业的营业执照复印件及法定代表人"
           "身份证明书；\n3. 委托代理人的授权委托书及代理人身份证明；\n4. 与纠纷有关的证明材料；\n5. 当事人联系方式及送达地址确认书。"),
        Spacer(1, 10 * mm), _p("申请人（签名、盖章）：　　　　　　　　　　　　年　　月　　日"),
        PageBreak(), *agreement_story(dispute, "随申请书提交"),
    ]  # fmt: skip
    return _render(story, f"司法确认申请书 {dispute.number}")


def has_written_agreement(dispute: Dispute) -> bool:
    return dispute.outcome == Outcome.WRITTEN and bool(dispute.terms)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["Cache-Control"] = "private, no-store"
    return response
