"""The receipt (回执) PDF: case number, query code, masked applicant, materials, contact, and a QR code
with the tracking link; for the citizen at /my/… and for staff who can see the case at /cases/…"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import timezone

from shanghui.accounts.citizen import CITIZEN_SESSION_KEY, VERIFIED_AT_KEY
from shanghui.orgs.models import Organisation
from shanghui.proxy import receipt
from shanghui.testing.cases import pdf_upload


@pytest.fixture
def case(pw):
    Organisation.objects.filter(pk=pw.point_a.pk).update(
        address="上海市黄浦区中山东一路1号", contact_phone="021-63210000"
    )
    case = pw.submitted()
    from shanghui.proxy import services

    services.add_material(case=case, actor=None, upload=pdf_upload("户口簿-补充.pdf"), slot=None)
    return case


def test_the_pdf_holds_the_number_the_code_and_the_masked_id_but_never_the_full_id(pw, case):
    pdf = receipt.build_receipt(case, url="http://testserver/my/track/?x=1", compress=False)
    assert pdf.startswith(b"%PDF-")
    # Codes and numbers are set in Courier, so they stand as plain strings in the uncompressed page.
    assert f"({case.number})".encode() in pdf
    assert f"({case.query_code})".encode() in pdf
    assert b"(330802********0017)" in pdf
    assert b"(138****1234)" in pdf
    assert b"021-63210000" in pdf
    assert pw.applicant.id_number.encode() not in pdf
    assert pw.applicant.mobile.encode() not in pdf


def test_the_qr_code_links_to_the_tracking_page_with_number_and_code(pw, case, monkeypatch):
    seen: list[str] = []
    real = receipt.QrCodeWidget

    def spy(value: str, **kw: object) -> object:
        seen.append(value)
        return real(value, **kw)

    monkeypatch.setattr(receipt, "QrCodeWidget", spy)
    request = RequestFactory().get("/my/cases/1/receipt.pdf")
    receipt.receipt_response(request, case)
    assert seen == [f"http://testserver/my/track/?number={case.number}&code={case.query_code}"]


def test_the_citizen_downloads_the_receipt_of_their_case(client, pw, case):
    session = client.session
    session[CITIZEN_SESSION_KEY] = pw.applicant.mobile
    session[VERIFIED_AT_KEY] = int(timezone.now().timestamp())
    session.save()
    response = client.get(f"/my/cases/{case.pk}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5000
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''")
    assert response["Cache-Control"] == "private, no-store"


def test_staff_who_see_the_case_print_it_and_outsiders_get_404(client, pw, case):
    url = f"/cases/{case.pk}/receipt.pdf"
    assert client.get(url).status_code == 302  # to the staff login
    for user in (pw.agent, pw.chamber_admin, pw.fed_admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-"), user
    for user in (pw.agent_b, pw.outsider, pw.clerk):  # the clerk: not forwarded to the window yet
        client.force_login(user)
        assert client.get(url).status_code == 404, user
