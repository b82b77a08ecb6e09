"""One power of attorney (issue 13, item 11): the citizen applying, the agent at intake, Open311's service
definition and the receipt all carry proxy/poa.py's text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shanghui.proxy import receipt
from shanghui.proxy.models import Channel
from shanghui.proxy.poa import poa_paragraphs, poa_text
from shanghui.proxy.tests.test_citizen_views import as_citizen, citizen_case


def _paragraphs(html: str, testid: str) -> list[str]:
    block = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</div>', html, flags=re.S)
    assert block, testid
    return [p.strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", block.group(1), flags=re.S)]


def _unescape(texts: list[str]) -> list[str]:
    return [t.replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&quot;", '"') for t in texts]


def test_citizen_and_agent_read_the_same_text_but_for_the_point(client, pw):
    citizen = _unescape(
        _paragraphs(
            as_citizen(client).get(reverse("citizen:apply") + f"?item={pw.item.pk}").content.decode(),
            "power-of-attorney",
        )
    )
    client.force_login(pw.agent)
    agent = _unescape(
        _paragraphs(client.get(reverse("proxy:create") + f"?item={pw.item.pk}").content.decode(), "poa-text")
    )

    assert citizen == poa_paragraphs(item=pw.item.name)
    assert agent == poa_paragraphs(item=pw.item.name, point="上海代办点")
    assert [p.replace("所选代办点", "上海代办点") for p in citizen] == agent
    assert "本人自愿委托上海代办点的代办员代为办理“居民身份证办理（包括临时）”事项" in agent[0]


def test_the_english_page_has_the_text_in_the_page_language(client, pw, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(pw.agent)
    html = client.get(reverse("proxy:create") + f"?item={pw.item.pk}").content.decode()
    # Whatever the catalogue says, three paragraphs from the one source.
    assert len(_paragraphs(html, "poa-text")) == 3


@pytest.mark.parametrize(
    ("channel", "how"),
    [(Channel.AGENT, "代办员代为录入，申请人当面确认"), (Channel.CITIZEN, "申请人在线申请时确认")],
)
def test_the_receipt_prints_the_text_and_when_it_was_confirmed(pw, monkeypatch, channel, how):
    case = pw.new_case() if channel == Channel.AGENT else citizen_case(pw)
    texts: list[str] = []
    real = receipt.Paragraph

    def spy(text: str, *args: Any, **kw: Any) -> Any:
        texts.append(text)
        return real(text, *args, **kw)

    monkeypatch.setattr(receipt, "Paragraph", spy)
    receipt.build_receipt(case, url="http://testserver/my/track/", compress=False)

    expected = [p.replace("“", "“") for p in poa_paragraphs(item=pw.item.name, point="上海代办点")]
    at = texts.index("委托书")
    assert texts[at + 1 : at + 4] == expected
    assert texts[at + 4].startswith("申请人确认时间：") and f"（{how}）" in texts[at + 4]


def test_open311_gives_the_same_text(pw):
    assert poa_text(item="甲", point="受理的代办点") == "".join(
        poa_paragraphs(item="甲", point="受理的代办点")
    )
