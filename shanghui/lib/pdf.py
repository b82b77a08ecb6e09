"""The house style of the PDFs people print (receipts, agreements, acknowledgements): a CJK font
reportlab ships (no font file to install), paragraph styles and the grid of a two-column table."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import TableStyle

FONT = "STSong-Light"
MONO = "Courier"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555"))
TITLE = ParagraphStyle("title", parent=BODY, fontSize=17, leading=24, alignment=TA_CENTER)
HEADING = ParagraphStyle("heading", parent=BODY, fontSize=11.5, leading=18, spaceBefore=8, spaceAfter=3)
LABEL = ParagraphStyle("label", parent=BODY, textColor=colors.HexColor("#444444"))
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)
