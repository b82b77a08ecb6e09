"""The case conversation (代办群) in English: the chat's own words (connection state, buttons, placeholder,
sending and read states) come from the page in its language, and a status change posted in the chat
arrives over the socket in the reader's language while a Chinese reader still sees Chinese. Data (what
people wrote, names, the case's title, the correction items) stays as it was written."""

from __future__ import annotations

import re

from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import login, watch_console
from tests.browser.test_conversation import messages, send
from tests.browser.test_proxy_flow import staff_acts

HAN = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")

# The panel's own text: everything but the data inside it (message bodies, system lines, authors,
# quotes, file names, the case's title in the header) and the decorative glyphs hidden from readers.
UI_TEXT = """(root) => {
  const copy = root.cloneNode(true);
  copy.querySelectorAll(
    ".conv-text, .conv-system, .conv-author, .conv-quote, .conv-file, .conv-thumb, .text-truncate.text-muted, .conv-bubble, [aria-hidden=true]"
  ).forEach((node) => node.remove());
  const texts = [copy.textContent];
  copy.querySelectorAll("[placeholder], [title], [aria-label]").forEach((node) => {
    ["placeholder", "title", "aria-label"].forEach((name) => {
      if (node.hasAttribute(name)) texts.push(node.getAttribute(name));
    });
  });
  return texts.join(" ");
}"""


def test_the_case_chat_in_english_with_status_changes_in_each_readers_language(pw, new_page, live):
    case = pw.submitted()
    reader = new_page()
    errors = watch_console(reader)
    reader.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live}])
    login(reader, "agent", pw.password)
    reader.goto(f"/cases/{case.pk}/")
    expect(reader.get_by_test_id("conversation-status")).to_have_text("Connected")
    expect(messages(reader).first).to_have_text(
        "Proxy agent: Submit request. Case status: Awaiting pre-review"
    )

    # The reader's own post: sent, then unread by the others.
    send(reader, "请问材料齐了吗")
    mine = messages(reader).filter(has_text="请问材料齐了吗")
    expect(mine.get_by_test_id("conversation-receipt")).to_have_text("Unread")
    expect(mine.get_by_role("button", name="Reply")).to_have_count(1)

    # A colleague in Chinese asks for a correction: the English page hears it over the socket in English.
    colleague = new_page()
    watch_console(colleague, errors)
    login(colleague, "agent", pw.password)
    staff_acts(colleague, case, "request_correction", {"textarea[name=correction_items]": "户口簿首页不清晰"})
    change = messages(reader).filter(has_text="Request correction")
    expect(change).to_have_text(
        "Proxy agent: Request correction. Case status: Awaiting correction\nTo correct: 户口簿首页不清晰"
    )
    colleague.goto(f"/cases/{case.pk}/")
    expect(colleague.get_by_test_id("conversation-status")).to_have_text("已连接")
    expect(messages(colleague).filter(has_text="代办员要求补正，办件状态：待补正")).to_have_count(1)

    ui = reader.get_by_test_id("conversation").evaluate(UI_TEXT)
    assert "Send" in ui and "Connected" in ui
    assert not HAN.search(ui), HAN.findall(ui)
    assert reader.get_by_test_id("conversation-input").get_attribute("placeholder") == "Type a message…"
    assert errors == []
