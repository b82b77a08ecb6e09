"""A returning applicant (issue 13, item 3): the number's latest case fills in name, ID number (masked)
and county — on /my/apply/ only for the number proved with a code, on agent intake only from the agent's
own points' cases — and the stored ID number is used when the masked text comes back unchanged."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from shanghui.proxy.models import Case, Channel
from shanghui.proxy.returning import known_applicant, resolve_id
from shanghui.proxy.tests.test_citizen_views import MOBILE, OTHER, apply_data, as_citizen, citizen_case

FULL_ID = "330802199003070017"  # the pw fixture's applicant
MASKED_ID = "330802********0017"


def _apply_url(pw: Any) -> str:
    return reverse("citizen:apply") + f"?item={pw.item.pk}"


def _value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, flags=re.S)
    chosen = re.search(r'<option value="([^"]*)" selected', select.group(0)) if select else None
    return chosen.group(1) if chosen else ""


# --- the service ----------------------------------------------------------------------------------


def test_the_latest_case_of_the_number_is_what_is_known(pw):
    assert known_applicant(MOBILE) is None
    citizen_case(pw)
    known = known_applicant("+86 138-0000-1234")
    assert known is not None
    assert (known.name, known.id_number, known.masked_id, known.home_region_code) == (
        "张三", FULL_ID, MASKED_ID, "330802",
    )  # fmt: skip
    # An agent sees only the cases of their own points.
    assert known_applicant(MOBILE, point_ids=[pw.point_b.pk]) is None
    assert known_applicant(MOBILE, point_ids=[pw.point_a.pk]) == known


def test_the_masked_text_unchanged_means_the_stored_number(pw):
    citizen_case(pw)
    known = known_applicant(MOBILE)
    assert resolve_id(MASKED_ID, known) == FULL_ID
    assert resolve_id(" 330802********0017 ", known) == FULL_ID
    assert resolve_id("330802199001010011", known) == "330802199001010011"
    assert resolve_id(MASKED_ID, None) == MASKED_ID  # nothing known: as typed (and refused as invalid)


# --- the citizen ----------------------------------------------------------------------------------


def test_a_returning_citizen_finds_the_form_filled_in_with_the_id_masked(client, pw):
    citizen_case(pw)
    html = as_citizen(client).get(_apply_url(pw)).content.decode()

    assert _value(html, "name") == "张三"
    assert _value(html, "id_number") == MASKED_ID
    assert _selected(html, "home_region_code") == "330802"
    assert FULL_ID not in html
    assert 'data-testid="prefill-note"' in html


def test_the_unchanged_masked_number_applies_with_the_stored_one(client, pw):
    citizen_case(pw)
    response = as_citizen(client).post(_apply_url(pw), apply_data(pw, id_number=MASKED_ID))

    assert response.status_code == 302
    case = Case.objects.filter(channel=Channel.CITIZEN).latest("pk")
    assert case.applicant_id_number == FULL_ID


def test_a_changed_number_is_the_new_one_and_checked_as_usual(client, pw):
    citizen_case(pw)
    as_citizen(client)
    bad = client.post(
        _apply_url(pw), apply_data(pw, id_number="330802********0018", idempotency_key="a" * 32)
    )
    assert bad.status_code == 422
    assert Case.objects.count() == 1
    assert "身份证" in re.sub(r"<[^>]+>", "", bad.content.decode())

    new_id = "330825198501010017"
    response = client.post(_apply_url(pw), apply_data(pw, id_number=new_id, idempotency_key="b" * 32))
    assert response.status_code == 302
    assert Case.objects.latest("pk").applicant_id_number == new_id


def test_a_form_with_errors_shows_the_number_masked_again(client, pw):
    citizen_case(pw)
    response = as_citizen(client).post(_apply_url(pw), apply_data(pw, id_number=MASKED_ID, name=""))
    html = response.content.decode()
    assert response.status_code == 422
    assert _value(html, "id_number") == MASKED_ID
    assert FULL_ID not in html


def test_another_number_gets_an_empty_form(client, pw):
    citizen_case(pw)  # MOBILE's case
    html = as_citizen(client, OTHER).get(_apply_url(pw)).content.decode()
    assert _value(html, "name") == "" and _value(html, "id_number") == ""
    assert "张三" not in html and 'data-testid="prefill-note"' not in html
    # Nor does OTHER get MOBILE's stored number by sending the masked text.
    response = client.post(_apply_url(pw), apply_data(pw, id_number=MASKED_ID))
    assert response.status_code == 422
    assert not Case.objects.filter(applicant_mobile=OTHER).exists()


def test_someone_who_only_typed_a_number_sees_nothing(client, pw):
    """No proved number, no form: the apply page sends them to the code step first."""
    citizen_case(pw)
    response = client.get(_apply_url(pw))
    assert response.status_code == 302 and response["Location"].startswith(reverse("citizen:login"))
    # The code step shows the number back masked and nothing of its cases.
    page = client.post(reverse("citizen:login"), {"step": "send", "mobile": MOBILE}).content.decode()
    assert "张三" not in page and MASKED_ID not in page


def _key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert match
    return match.group(1)


# --- the agent ------------------------------------------------------------------------------------


def _lookup(client: Client, mobile: str) -> Any:
    return client.get(reverse("proxy:applicant_lookup"), {"mobile": mobile})


def test_an_agent_gets_name_county_and_the_masked_id_of_their_points_applicant(client, pw):
    citizen_case(pw)  # at point_a
    client.force_login(pw.agent)
    response = _lookup(client, "138 0000 1234")
    assert response.status_code == 200
    assert response.json() == {
        "found": True,
        "name": "张三",
        "home_region_code": "330802",
        "id_number": MASKED_ID,
    }
    assert FULL_ID not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert _lookup(client, OTHER).json() == {"found": False}
    assert _lookup(client, "12345").json() == {"found": False}


def test_an_agent_of_another_point_and_outsiders_get_nothing(client, pw):
    citizen_case(pw)  # at point_a
    client.force_login(pw.agent_b)
    assert _lookup(client, MOBILE).json() == {"found": False}
    for persona in ("outsider", "clerk", "fed_admin"):
        client.force_login(getattr(pw, persona))
        assert _lookup(client, MOBILE).status_code == 403
    client.logout()
    assert _lookup(client, MOBILE).status_code == 302  # to the log-in page


def test_agent_intake_with_the_masked_number_uses_the_stored_one(client, pw):
    citizen_case(pw)
    client.force_login(pw.agent)
    page = client.get(reverse("proxy:create") + f"?item={pw.item.pk}").content.decode()
    key = _key(page)
    assert 'data-applicant-lookup="/cases/new/applicant/"' in page
    data = {
        "proxy_point": pw.point_a.pk, "item": pw.item.pk, "name": "张三", "id_number": MASKED_ID,
        "mobile": MOBILE, "home_region_code": "330802", "current_city": "上海", "poa_confirmed": "on",
        "idempotency_key": key,
    }  # fmt: skip
    # With an error elsewhere the number comes back masked.
    refused = client.post(reverse("proxy:create"), {**data, "current_city": ""})
    assert refused.status_code == 200 and FULL_ID not in refused.content.decode()
    assert _value(refused.content.decode(), "id_number") == MASKED_ID

    response = client.post(reverse("proxy:create"), data)
    assert response.status_code == 302
    case = Case.objects.filter(channel=Channel.AGENT).get()
    assert case.applicant_id_number == FULL_ID


def test_an_agent_of_another_point_cannot_use_the_masked_text(client, pw):
    citizen_case(pw)  # at point_a
    client.force_login(pw.agent_b)
    page = client.get(reverse("proxy:create") + f"?item={pw.item.pk}").content.decode()
    key = _key(page)
    data = {
        "proxy_point": pw.point_b.pk, "item": pw.item.pk, "name": "张三", "id_number": MASKED_ID,
        "mobile": MOBILE, "home_region_code": "330802", "current_city": "杭州", "poa_confirmed": "on",
        "idempotency_key": key,
    }  # fmt: skip
    response = client.post(reverse("proxy:create"), data)
    assert response.status_code == 200
    assert not Case.objects.filter(channel=Channel.AGENT).exists()
