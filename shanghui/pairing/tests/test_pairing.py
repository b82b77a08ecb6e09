"""Pairs on the workflow kernel (the generated tests), ending a pair on its page, and the receipt a
charity sends after the gift was recorded (written once)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from shanghui.donations import services as donations
from shanghui.donations.models import Gift, GiftEvent
from shanghui.donations.tests.conftest import dw  # noqa: F401  (fixture)
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from shanghui.pairing.models import Pair
from shanghui.pairing.services import create_pair
from shanghui.pairing.workflow import PAIR_MACHINE, WRITER
from shanghui.workflow.machine import SYSTEM
from shanghui.workflow.testing import Walks

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairs(dw: SimpleNamespace) -> SimpleNamespace:  # noqa: F811
    counter = iter(range(1000))

    def new() -> Pair:
        village = make_org(OrgKind.VILLAGE, f"测试村{next(counter)}", dw.city)
        return create_pair(actor=dw.chamber_staff, partner=dw.enterprise_a, village=village,
                           starts_on=dt.date(2024, 1, 1), province="四川省", county="岳池县")  # fmt: skip

    dw.new_pair = new
    return dw


WALKS = Walks(
    machine=PAIR_MACHINE, fixture="pairs", actor_kinds=(WRITER, SYSTEM),
    paths={"active": [], "ended": ["end"]},
    new=lambda w: w.new_pair(), actor_for=lambda w, kind: w.chamber_staff if kind == WRITER else None,
    params_for=lambda w, action: {"ends_on": dt.date(2025, 12, 31)},
)  # fmt: skip
(
    test_pair_allowed_actions_move_it,
    test_pair_refused_actions_change_nothing,
    test_pair_required_inputs,
    test_pair_table,
) = WALKS.tests(final={Pair.Status.ENDED})


def test_a_pair_is_ended_on_its_page_by_its_chamber_only(client: Client, pairs: SimpleNamespace) -> None:
    pair = pairs.new_pair()
    client.force_login(pairs.auditor)
    assert client.post(f"/pairing/{pair.pk}/", {"form": "end", "ends_on": "2025-06-30"}).status_code == 403
    client.force_login(pairs.chamber_admin_b)
    assert client.post(f"/pairing/{pair.pk}/", {"form": "end", "ends_on": "2025-06-30"}).status_code == 404
    assert Pair.objects.get(pk=pair.pk).status == "active"
    client.force_login(pairs.chamber_staff)
    client.post(f"/pairing/{pair.pk}/", {"form": "end", "ends_on": "2023-06-30", "expected_status": "active"})
    assert Pair.objects.get(pk=pair.pk).status == "active"  # before it began: refused
    client.post(f"/pairing/{pair.pk}/", {"form": "end", "ends_on": "2025-06-30", "expected_status": "active"})
    pair.refresh_from_db()
    assert (pair.status, pair.ends_on) == ("ended", dt.date(2025, 6, 30))
    page = client.get(f"/pairing/{pair.pk}/").content.decode()
    assert "登记结对" in page and "结束结对" in page


def test_a_receipt_arrives_later_and_is_written_once(pairs: SimpleNamespace) -> None:
    gift = pairs.money(pairs.fund, "800", channel=Gift.Channel.PARTNER_CHARITY)
    assert gift.receipt_number == ""
    with pytest.raises(PermissionDenied):
        donations.record_receipt(actor=pairs.auditor, gift=gift, receipt_number="ZJ-1")
    donations.record_receipt(actor=pairs.chamber_staff, gift=gift, receipt_number="ZJ-1")
    gift.refresh_from_db()
    assert (gift.receipt_issuer, gift.receipt_number) == ("衢州市慈善总会", "ZJ-1")
    assert GiftEvent.objects.filter(gift=gift, action="receipt").count() == 1
    with pytest.raises(ValidationError):
        donations.record_receipt(actor=pairs.chamber_staff, gift=gift, receipt_number="ZJ-2")
    gift.refresh_from_db()
    assert gift.receipt_number == "ZJ-1"
    own = pairs.money(pairs.fund, "100")
    with pytest.raises(ValidationError) as exc:
        donations.record_receipt(actor=pairs.chamber_staff, gift=own, receipt_number="X-1")
    assert "receipt_issuer" in exc.value.message_dict


def test_a_receipt_on_the_gift_page(client: Client, pairs: SimpleNamespace) -> None:
    gift = pairs.money(pairs.fund, "800", channel=Gift.Channel.PARTNER_CHARITY)
    client.force_login(pairs.chamber_staff)
    assert 'data-testid="receipt-form"' in client.get(f"/donations/gifts/{gift.pk}/").content.decode()
    client.post(f"/donations/gifts/{gift.pk}/", {"form": "receipt", "receipt_number": "ZJ-9"})
    gift.refresh_from_db()
    assert gift.receipt_number == "ZJ-9"
    assert 'data-testid="receipt-form"' not in client.get(f"/donations/gifts/{gift.pk}/").content.decode()


def test_the_statistics_export_names_its_scope_and_units(client: Client, pairs: SimpleNamespace) -> None:
    pairs.new_pair()
    pairs.new_pair()
    client.force_login(pairs.chamber_admin)
    response = client.get("/pairing/stats/", {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]  # a FileResponse
    assert sheet is not None
    title = str(sheet["A1"].value)
    # What it is, whose pairs (the viewer's chamber), up to when, and when it was made.
    today = timezone.localdate().isoformat()
    assert title.startswith(f"结对帮扶统计　范围：衢州在上海商会　期间：累计至{today}　导出时间："), title
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]][:6] == [
        "省份", "县（市、区）", "结对数（对）", "结对村（个）", "帮扶企业/商会（家）", "项目数（个）",
    ]  # fmt: skip
    rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0][:4] == ["四川省", "岳池县", 2, 2]
    assert rows[-1][2] == 2  # the total
