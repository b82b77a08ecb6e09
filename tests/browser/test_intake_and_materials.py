"""Issue 13, items 3 and 10 in the browser: a returning citizen's application filled in on a 390×844
phone (judged by what is on the screen), an agent's intake filled in from a known number, files previewed
in place (an image zoomed and rotated in the dialog, a PDF in the browser's viewer) and several files
uploaded at once, on a desktop."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from shanghui.audit.models import AuditEntry
from shanghui.notify.sms import ConsoleSmsBackend
from shanghui.proxy import services
from shanghui.proxy.models import Case, Channel
from shanghui.proxy.workflow import AGENT
from shanghui.testing.cases import PDF
from tests.browser.conftest import login, watch_console
from tests.browser.test_citizen_phone import citizen_login

MOBILE = "13800001234"
FULL_ID = "330802199003070017"
MASKED_ID = "330802********0017"
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(autouse=True)
def _clean_state() -> Any:
    from django.core.cache import cache

    cache.clear()
    ConsoleSmsBackend.outbox.clear()
    yield
    ConsoleSmsBackend.outbox.clear()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 240), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(name: str, data: bytes, kind: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=kind)


def test_a_returning_citizen_finds_the_application_filled_in_on_the_phone(pw, new_page):
    pw.new_case(actor=None, channel=Channel.CITIZEN)  # an earlier case of this number
    page = new_page(phone=True)
    errors = watch_console(page)
    citizen_login(page, f"/my/apply/?item={pw.item.pk}")

    note = page.get_by_test_id("prefill-note")
    note.scroll_into_view_if_needed()
    expect(note).to_be_in_viewport()
    name = page.locator("#id_name")
    expect(name).to_be_in_viewport()
    expect(name).to_have_value("张三")
    id_field = page.locator("#id_id_number")
    id_field.scroll_into_view_if_needed()
    expect(id_field).to_be_in_viewport()
    expect(id_field).to_have_value(MASKED_ID)
    expect(page.locator("#id_home_region_code")).to_have_value("330802")
    assert FULL_ID not in page.content()

    page.get_by_test_id("point-option").filter(has_text="衢州在上海商会").locator("input").check()
    page.locator("#id_poa_confirmed").check()
    page.get_by_test_id("apply-submit").click()
    page.wait_for_url(re.compile(r"/my/cases/\d+/$"))
    case = Case.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert case.applicant_id_number == FULL_ID and case.applicant_name == "张三"
    assert errors == []


def test_an_agent_types_a_known_number_and_the_form_fills_in(pw, new_page):
    pw.new_case()  # an earlier case at the agent's point
    page = new_page()
    page.set_viewport_size(DESKTOP)
    errors = watch_console(page)
    login(page, "agent", pw.password)
    page.goto(f"/cases/new/?item={pw.item.pk}")
    page.fill("#id_mobile", MOBILE)
    note = page.get_by_test_id("applicant-known")
    expect(note).to_be_visible()
    expect(note).to_be_in_viewport()
    expect(page.locator("#id_name")).to_have_value("张三")
    expect(page.locator("#id_id_number")).to_have_value(MASKED_ID)
    expect(page.locator("#id_home_region_code")).to_have_value("330802")
    assert FULL_ID not in page.content()
    page.locator("#id_poa_confirmed").check()
    page.get_by_test_id("intake-submit").click()
    page.wait_for_url(re.compile(r"/cases/\d+/"))
    assert Case.objects.latest("pk").applicant_id_number == FULL_ID
    assert errors == []


def test_files_preview_in_place_and_several_upload_at_once(pw, new_page):
    case = pw.case_in("submitted")
    services.add_material(
        case=case, actor=pw.agent, upload=_upload("照片.png", png_bytes(), "image/png"), slot=1
    )
    case = pw.act(case, "forward", AGENT, window=pw.window)
    page = new_page()
    page.set_viewport_size(DESKTOP)
    errors = watch_console(page)
    login(page, "clerk", pw.password)
    page.goto(f"/cases/{case.pk}/")
    before = AuditEntry.objects.filter(action="case.material.download").count()

    # An image: the dialog shows it, zooms and rotates it.
    slot = page.locator('[data-testid=material-slot][data-slot="1"]')
    with page.expect_response(re.compile(r"/files/\d+/\?preview=1$")) as answer:
        slot.get_by_test_id("preview-file").click()
    assert answer.value.status == 200
    dialog = page.get_by_test_id("file-preview")
    expect(dialog).to_be_visible()
    image = dialog.get_by_test_id("preview-image")
    expect(image).to_be_in_viewport()
    page.wait_for_function("document.querySelector('[data-testid=preview-image]').naturalWidth === 400")
    expect(dialog.get_by_test_id("preview-title")).to_contain_text("照片.png")
    dialog.get_by_test_id("preview-zoom-in").click()
    dialog.get_by_test_id("preview-rotate").click()
    expect(image).to_have_attribute("data-scale", "1.25")
    expect(image).to_have_attribute("data-angle", "90")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('[data-testid=preview-image]')).transform")
        != "none"
    )
    dialog.get_by_test_id("preview-close").click()
    expect(dialog).to_be_hidden()

    # A PDF: the browser's own viewer in an iframe of the same dialog.
    slot0 = page.locator('[data-testid=material-slot][data-slot="0"]')
    with page.expect_response(re.compile(r"/files/\d+/\?preview=1$")) as answer:
        slot0.get_by_test_id("preview-file").click()
    assert answer.value.status == 200
    assert answer.value.headers["x-frame-options"] == "SAMEORIGIN"
    frame = dialog.get_by_test_id("preview-pdf")
    expect(frame).to_be_visible()
    expect(frame).to_be_in_viewport()
    expect(dialog.get_by_test_id("preview-zoom-in")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Each preview is one download in the audit log.
    assert AuditEntry.objects.filter(action="case.material.download").count() == before + 2
    assert errors == []


def test_an_agent_uploads_several_files_at_once(pw, new_page):
    case = pw.new_case()
    page = new_page()
    page.set_viewport_size(DESKTOP)
    login(page, "agent", pw.password)
    page.goto(f"/cases/{case.pk}/")
    slot = page.locator('[data-testid=material-slot][data-slot="0"]')
    slot.get_by_test_id("upload-file").set_input_files(
        [
            {"name": "首页.pdf", "mimeType": "application/pdf", "buffer": PDF},
            {"name": "本人页.png", "mimeType": "image/png", "buffer": png_bytes()},
            {"name": "说明.txt", "mimeType": "text/plain", "buffer": b"hello"},
        ]
    )
    slot.get_by_test_id("upload-submit").click()
    error = page.locator('[data-testid=material-slot][data-slot="0"]').get_by_test_id("upload-error")
    expect(error).to_contain_text("已上传 2 个文件；以下文件未上传：说明.txt：只能上传")
    expect(error).to_be_visible()
    names = page.locator('[data-testid=material-slot][data-slot="0"]').get_by_test_id("material-file")
    expect(names).to_have_count(2)
    assert sorted(names.all_inner_texts()) == ["本人页.png", "首页.pdf"]


def test_an_outsider_and_another_points_agent_get_no_preview(pw, new_page):
    case = pw.case_in("forwarded")
    url = f"/cases/{case.pk}/files/{case.materials.get().pk}/?preview=1"
    for username in ("outsider", "agent_b"):
        page = new_page()
        login(page, username, pw.password)
        assert page.goto(url).status == 404
