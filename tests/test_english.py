"""The English interface of the module pages (language switch cookie), and the catalogue behind it.

Message ids are Chinese; locale/en/LC_MESSAGES/django.po holds the English and django.mo is
committed, so a .po edited without compilemessages would silently show Chinese: the last test
compares the two."""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def english(user: Any | None = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def headings(html: str) -> list[str]:
    """The text of every <h1> and of the <title>, tags stripped."""
    found = re.findall(r"<h1\b[^>]*>(.*?)</h1>|<title>(.*?)</title>", html, flags=re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", a or b).strip() for a, b in found]


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "en"
    return response.content.decode()


def assert_english(
    html: str, *labels: str, chinese_gone: tuple[str, ...] = (), data_heading: bool = False
) -> None:
    """The labels are there, the Chinese ones are gone, and no heading is Chinese (unless the page's
    heading is data, such as a service item's name)."""
    assert '<html lang="en">' in html
    for label in labels:
        assert label in html, label
    for zh in chinese_gone:
        assert zh not in html, zh
    if not data_heading:
        for text in headings(html):
            assert not CJK.search(text), text


def test_chinese_stays_the_default(world: Any) -> None:
    client = Client()
    client.force_login(world.fed_admin)
    html = client.get(reverse("orgs:list")).content.decode()
    assert '<html lang="zh-CN">' in html
    assert "组织机构" in headings(html)[-1]
    assert "Organisations" not in html


def test_language_switch_turns_the_module_pages_english(world: Any) -> None:
    client = Client()
    client.force_login(world.fed_admin)
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("orgs:list")})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("orgs:list")).content.decode()
    assert_english(html, "Organisations", "organisations", chinese_gone=("组织机构", "新建组织", "共 "))

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "组织机构" in client.get(reverse("orgs:list")).content.decode()


def test_federation_admin_pages_in_english(pw: Any) -> None:  # noqa: F811
    pw.submitted()
    client = english(pw.fed_admin)

    assert_english(
        page(client, reverse("orgs:list")),
        "Organisations", "New organisation", "Members",
        chinese_gone=("组织机构", "新建组织", "成员数"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("orgs:member_list")),
        "Members", "Add member", "Export to Excel",
        chinese_gone=("成员管理", "新增成员", "导出Excel"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("catalog:item_list")),
        "Service catalogue", "1 service item", "Promised: 20 working days", "Synonyms",
        chinese_gone=("事项目录", "个事项", "同义词"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("catalog:item_detail", args=[pw.item.pk])),
        "Required materials", "Promised time limit", "Version history",
        chinese_gone=("申请材料", "承诺时限", "版本历史"),
        data_heading=True,
    )  # fmt: skip
    assert_english(
        page(client, reverse("proxy:list")),
        "Proxy cases", "Statistics", "Case number / service item",
        chinese_gone=("代办件", "办件编号 / 事项"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("proxy:stats")),
        "Proxy service statistics", "Total cases", "On-time rate", "By status", "Time per stage (median)",
        'data-series="New cases"', 'data-series="Cases"', 'data-series="Ratings"',  # the charts' series
        chinese_gone=("代办统计", "办件总数", "按时率"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("notify:inbox")),
        "Messages", "Notification settings",
        chinese_gone=("通知设置", "全部标为已读"),
    )  # fmt: skip


def test_proxy_agent_pages_in_english(pw: Any) -> None:  # noqa: F811
    case = pw.submitted()
    client = english(pw.agent)

    assert_english(
        page(client, reverse("proxy:list")),
        "Proxy cases", "Enter for a citizen", "Awaiting pre-review",
        chinese_gone=("代为录入",),
    )  # fmt: skip
    html = page(client, reverse("proxy:detail", args=[case.pk]))
    assert_english(
        html,
        "Awaiting pre-review", "History", "Actions", "Service item and handling units", "Print receipt",
        "Power of attorney", " working days",
        chinese_gone=("办理记录", "事项与办理单位", "打印回执", "委托书"),
        data_heading=True,
    )  # fmt: skip
    assert re.search(r'data-testid="case-status"[^>]*>Awaiting pre-review<', html)
    assert_english(
        page(client, reverse("proxy:create") + f"?point={pw.point_a.pk}"),
        "Enter a case for a citizen", "Step 1: choose the service item.",
        chinese_gone=("代为录入办件", "第一步"),
    )  # fmt: skip
    assert_english(page(client, reverse("notify:inbox")), "Messages", chinese_gone=("通知设置",))


def test_citizen_pages_in_english(pw: Any) -> None:  # noqa: F811
    case = pw.submitted()
    client = english()

    assert_english(
        page(client, reverse("catalog_public:search")),
        "What do you need to get done?", "Search service items", "Popular searches",
        chinese_gone=("您要办什么事", "大家常搜"),
    )  # fmt: skip
    assert_english(
        page(client, reverse("catalog_public:item", args=[pw.item.pk])),
        "Service guide", "Required materials", "Apply for proxy service",
        chinese_gone=("办事指南", "申请代办"),
        data_heading=True,
    )  # fmt: skip
    assert_english(page(client, reverse("citizen:login")), "Verify your mobile number", "Send code")
    assert_english(page(client, reverse("citizen:track")), "Track a case", chinese_gone=("查询办理进度",))

    session = client.session
    session[CITIZEN_SESSION_KEY] = pw.applicant.mobile
    session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()
    assert_english(page(client, reverse("citizen:cases")), "My cases", "Apply for another service")
    html = page(client, reverse("citizen:case", args=[case.pk]))
    assert "Awaiting pre-review" in html and "Query code" in html and "Progress" in html
    assert "查询码" not in html and "办理进度" not in html


def test_case_conversation_in_english(pw: Any) -> None:  # noqa: F811
    """The chat's own words come from the page in its language; a status change posted in the chat
    shows in each reader's language; an old system message (no lines) keeps its stored text."""
    from shanghui.conversations.models import Message

    case = pw.submitted()
    pw.act(case, "request_correction", "agent", correction_items=["户口簿首页不清晰"])
    old = Message.objects.filter(kind="system").order_by("seq").first()
    assert old is not None
    Message.objects.create(
        conversation=old.conversation, seq=99, kind="system", author_role="system", author_name="系统",
        body="旧的系统消息", ref="old:1",
    )  # fmt: skip
    url = reverse("conversations:messages", args=["proxy.case", case.pk])

    def system_bodies(client: Client) -> list[str]:
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        return [m["body"] for m in response.json()["messages"] if m["kind"] == "system"]

    assert system_bodies(english(pw.agent)) == [
        "Proxy agent: Submit request. Case status: Awaiting pre-review",
        "Proxy agent: Request correction. Case status: Awaiting correction\nTo correct: 户口簿首页不清晰",
        "旧的系统消息",
    ]
    chinese = Client()
    chinese.force_login(pw.agent)
    assert system_bodies(chinese) == [
        "代办员提交申请，办件状态：待预审",
        "代办员要求补正，办件状态：待补正\n需补正：户口簿首页不清晰",
        "旧的系统消息",
    ]

    html = page(english(pw.agent), reverse("proxy:detail", args=[case.pk]))
    found = re.search(r'<script id="conversation-text" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    text = json.loads(found.group(1))
    assert text["open"] == "Connected" and text["sending"] == "Sending…"
    assert not [value for value in text.values() if CJK.search(value)]
    zh_html = chinese.get(reverse("proxy:detail", args=[case.pk])).content.decode()
    assert '"open": "\\u5df2\\u8fde\\u63a5"' in zh_html  # 已连接, as json_script escapes it


def _po_entries(path: Path) -> list[dict[str, Any]]:
    """The live entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (str or list), flags."""
    entries: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    field = ""

    def close() -> None:
        if "msgid" in current:
            entries.append(dict(current))
        current.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if "msgid" in current and field.startswith("msgstr"):
                close()
            if line.startswith("#,"):
                current.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ") if not line.startswith('"') else ("", "", line)
        if keyword:
            if keyword in ("msgctxt", "msgid") and field.startswith("msgstr"):
                close()
            field = keyword
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr["):
                current.setdefault("msgstr", []).append(value)
            else:
                current[keyword] = value
        else:  # continuation of the last field
            value = ast.literal_eval(line)
            if field.startswith("msgstr["):
                current["msgstr"][-1] += value
            else:
                current[field] += value
    close()
    return entries


def test_catalogue_is_complete_and_compiled() -> None:
    entries = [e for e in _po_entries(LOCALE / "django.po") if e["msgid"]]
    assert len(entries) > 600
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]  # no public accessor
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for e in entries:
        assert "fuzzy" not in e.get("flags", set()), e["msgid"]
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        strings = e["msgstr"] if isinstance(e["msgstr"], list) else [e["msgstr"]]
        for i, text in enumerate(strings):
            assert text, f"untranslated: {e['msgid']}"
            source = e["msgid_plural"] if i and "msgid_plural" in e else e["msgid"]
            assert sorted(placeholder.findall(text)) == sorted(placeholder.findall(source)), e["msgid"]
            got = compiled.get((key, i) if "msgid_plural" in e else key)
            assert got == text, f"django.mo is stale for {e['msgid']!r}: run compilemessages"


@pytest.mark.parametrize("msgid", ["代办件", "事项目录", "组织机构", "成员管理", "代办统计", "我的办件"])
def test_module_titles_are_in_the_compiled_catalogue(msgid: str) -> None:
    with (LOCALE / "django.mo").open("rb") as mo:
        translated = gettext.GNUTranslations(mo).gettext(msgid)
    assert translated != msgid and not CJK.search(translated)
