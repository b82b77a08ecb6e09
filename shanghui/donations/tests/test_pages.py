"""The ledger's pages beyond access: disclosure only of opened public appeals, the acknowledgement PDF
only for gifts to the chamber's own account, bad input answered on the form with nothing written, the
exports and statistics; pairing's donations and investment kept apart."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook

from shanghui.audit.models import AuditEntry
from shanghui.donations.models import Gift, GiftEvent
from shanghui.donations.services import DonorInput
from shanghui.orgs.models import OrgKind
from shanghui.orgs.tests.factories import make_org
from shanghui.pairing import queries as pairing_queries
from shanghui.pairing.models import Project
from shanghui.pairing.services import add_project, create_pair

pytestmark = pytest.mark.django_db


def test_disclosure_shows_only_opened_public_appeals(client: Client, dw: SimpleNamespace) -> None:
    draft = dw.new_fund(name="筹备中的募捐", open_=False)
    private = dw.new_fund(name="内部基金", public=False)
    assert client.get(f"/give/{draft.pk}/").status_code == 404
    assert client.get(f"/give/{private.pk}/").status_code == 404
    assert client.get(f"/give/{dw.fund.pk}/").status_code == 200
    assert [f.pk for f, _t in client.get("/give/").context["rows"]] == [dw.fund.pk]


def test_disclosure_names_donors_only_with_consent_and_masks_households(
    client: Client, dw: SimpleNamespace
) -> None:
    dw.money(dw.fund, "100", donor=DonorInput(kind="person", name="赵六"), publish_name=False)
    dw.money(dw.fund, "200", donor=DonorInput(kind="enterprise", name="衢州丙公司"), publish_name=False)
    dw.money(dw.fund, "300", donor=DonorInput(kind="enterprise", name="衢州丁公司"), publish_name=True)
    dw.money(dw.fund, "400", donor=DonorInput(kind="anonymous"), publish_name=True)
    d = dw.request(dw.fund, "150")
    d.recipient_kind, d.recipient_name = "household", "钱小明"
    d.save()
    dw.approve(d)
    page = client.get(f"/give/{dw.fund.pk}/").content.decode()
    assert "赵六" not in page and "衢州丙公司" not in page and "钱小明" not in page
    assert "衢州丁公司" in page and page.count("爱心人士") >= 2 and "爱心企业" in page and "钱**家庭" in page


def test_the_acknowledgement_is_for_the_chambers_own_account_only(
    client: Client, dw: SimpleNamespace
) -> None:
    client.force_login(dw.chamber_staff)
    own = dw.money(dw.fund, "500")
    response = client.get(f"/donations/gifts/{own.pk}/acknowledgement.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert GiftEvent.objects.filter(gift=own, action="acknowledge").count() == 1
    via_charity = dw.money(dw.fund, "500", channel=Gift.Channel.PARTNER_CHARITY)
    assert client.get(f"/donations/gifts/{via_charity.pk}/acknowledgement.pdf").status_code == 403
    assert not GiftEvent.objects.filter(gift=via_charity, action="acknowledge").exists()


def test_the_acknowledgement_says_it_is_not_an_official_receipt() -> None:
    from shanghui.donations.acknowledgement import NOT_A_RECEIPT

    assert "不是公益事业捐赠票据" in NOT_A_RECEIPT


def test_a_bad_gift_is_answered_on_the_form_and_nothing_is_written(
    client: Client, dw: SimpleNamespace
) -> None:
    client.force_login(dw.chamber_staff)
    before = Gift.objects.count()
    response = client.post(f"/donations/{dw.fund.pk}/gifts/new/", {
        "donor_kind": "enterprise", "donor_name": "衢州甲科技有限公司", "kind": "money", "amount": "12.345",
        "channel": "own_account", "received_on": str(dw.today),
    })  # fmt: skip
    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    response = client.post(f"/donations/{dw.fund.pk}/gifts/new/", {
        "donor_kind": "enterprise", "donor_name": "衢州甲科技有限公司", "kind": "money", "amount": "10",
        "channel": "direct", "received_on": str(dw.today),
    })  # fmt: skip
    assert "direct_recipient" in response.context["form"].errors
    assert Gift.objects.count() == before


def test_an_overdraft_is_refused_on_the_page(client: Client, dw: SimpleNamespace) -> None:
    dw.money(dw.fund, "100")
    first, second = dw.request(dw.fund, "80"), dw.request(dw.fund, "80")
    dw.approve(first)
    client.force_login(dw.chamber_admin)
    response = client.post(
        f"/donations/disbursements/{second.pk}/act/approve/", {"expected_status": "requested"}, follow=True
    )
    assert "余额不足" in response.content.decode()
    second.refresh_from_db()
    assert second.status == "requested"
    # A stale page: the status moved on meanwhile → 409, nothing changed.
    response = client.post(
        f"/donations/disbursements/{first.pk}/act/approve/", {"expected_status": "requested"}
    )
    assert response.status_code == 409


def test_exports_are_audited_and_stats_add_up(client: Client, dw: SimpleNamespace) -> None:
    client.force_login(dw.fed_staff)
    dw.money(dw.fund, "1000")
    dw.money(dw.fund, "500", channel=Gift.Channel.DIRECT)
    response = client.get("/donations/gifts/?export=xlsx&kind=money")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]  # a FileResponse
    assert sheet is not None
    assert sheet.max_row == 4  # the title row (what, filters, time), the header and two gifts
    assert "导出时间：" in str(sheet["A1"].value) and sheet.freeze_panes == "A3"
    assert AuditEntry.objects.filter(action="donation.export").count() == 1
    stats = client.get("/donations/stats/").context["s"]
    assert (stats.total.money_fen, stats.total.balance_fen) == (150_000, 100_000)
    response = client.get("/donations/stats/?export=xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]  # a FileResponse
    assert book.sheetnames == ["按类别", "按渠道", "按月份", "拨付去向"]
    # Every sheet says what it is, whose funds (the viewer's federation), up to when, and when it was made.
    for tab in book:
        title = str(tab["A1"].value)
        assert title.startswith(
            f"捐赠统计　范围：衢州市工商联　期间：累计至{dw.today.isoformat()}（按月份：近12个月）　导出时间："
        ), title
        assert tab.freeze_panes == "A3"
    categories = book["按类别"]
    assert [c.value for c in categories[2]] == [
        "类别", "资金（元）", "物资价值（元）", "服务时长（小时）", "捐赠笔数（笔）", "已拨付（元）", "余额（元）",
    ]  # fmt: skip
    total = [list(r) for r in categories.iter_rows(min_row=3, values_only=True)][-1]
    assert total[0] == "合计" and (float(str(total[1])), total[4]) == (1500.0, 2)
    assert [c.value for c in book["按渠道"][2]] == ["渠道", "捐赠笔数（笔）", "资金及物资价值（元）"]
    assert AuditEntry.objects.filter(action="donation.stats_export").count() == 1


def test_pairing_never_adds_donations_to_investment(dw: SimpleNamespace) -> None:
    village = make_org(OrgKind.VILLAGE, "红岩村", dw.city)
    pair = create_pair(actor=dw.chamber_admin, partner=dw.enterprise_a, village=village, starts_on=dt.date(2024, 1, 1),
                       province="四川省", county="华蓥市")  # fmt: skip
    add_project(
        actor=dw.chamber_admin,
        pair=pair,
        kind="charity",
        name="助学",
        started_on=dt.date(2024, 2, 1),
        fund=dw.fund,
    )
    with pytest.raises(ValidationError) as exc:
        add_project(actor=dw.chamber_admin, pair=pair, kind="charity", name="捐建", started_on=dt.date(2024, 2, 1),
                    invested=Decimal("100"))  # fmt: skip
    assert "invested" in exc.value.message_dict
    dw.money(dw.fund, "5000")
    figures = pairing_queries.figures_by_pair([pair.pk])[pair.pk]
    assert (figures.donated_fen, figures.invested_fen) == (500_000, 0)
    add_project(actor=dw.chamber_admin, pair=pair, kind="industry", name="加工厂", started_on=dt.date(2024, 3, 1),
                invested=Decimal("3000000"))  # fmt: skip
    figures = pairing_queries.figures_by_pair([pair.pk])[pair.pk]
    assert (figures.donated_fen, figures.invested_fen) == (500_000, 300_000_000)
    assert Project.objects.filter(pair=pair).count() == 2
    # No figure anywhere holds their sum.
    assert not any(name in vars(figures) for name in ("total", "total_fen", "sum_fen"))
    with pytest.raises(ValidationError):
        create_pair(
            actor=dw.chamber_admin, partner=dw.enterprise_a, village=village, starts_on=dt.date(2024, 1, 1)
        )


def test_the_reminder_notifies_the_funds_staff(dw: SimpleNamespace) -> None:
    from shanghui.donations import services
    from shanghui.notify.models import OutboxMessage

    services.create_pledge(
        actor=dw.chamber_staff, fund=dw.fund, donor=DonorInput(kind="enterprise", name="衢州戊公司"),
        amount=Decimal("300"), instalments=[(dw.today + dt.timedelta(days=3), Decimal("300"))],
    )  # fmt: skip
    assert services.remind_due_instalments(today=dw.today) == 1
    assert set(OutboxMessage.objects.filter(event="donation.pledge_due").values_list("recipient__username", flat=True)) == {
        "chamber_admin", "chamber_staff",
    }  # fmt: skip


def test_the_pages_in_english(dw: SimpleNamespace) -> None:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(dw.chamber_admin)
    dw.money(dw.fund, "100")
    html = client.get(f"/donations/{dw.fund.pk}/").content.decode()
    assert "Ledger entries (newest first)" in html and "Balance available" in html
    assert "台账分录" not in html
    html = client.get("/pairing/stats/").content.decode()
    assert "Pairing statistics" in html and "shown apart and never added" in html
    html = (
        Client()
        .get(f"/give/{dw.fund.pk}/", HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=en")
        .content.decode()
    )
    assert "Where the money went" in html


@pytest.mark.parametrize(
    "url", ["/donations/", "/donations/gifts/", "/donations/disbursements/", "/pairing/", "/donations/stats/"]
)
def test_lists_take_as_many_queries_for_many_rows_as_for_few(
    client: Client, dw: SimpleNamespace, url: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n: int) -> None:
        for i in range(n):
            fund = dw.new_fund(name=f"基金{i}-{dw.today}-{n}")
            dw.money(fund, "100")
            dw.approve(dw.request(fund, "50"))
            village = make_org(OrgKind.VILLAGE, f"村{i}-{n}", dw.city)
            pair = create_pair(actor=dw.chamber_admin, partner=dw.enterprise_a, village=village,
                               starts_on=dt.date(2024, 1, 1), province="四川省", county="岳池县")  # fmt: skip
            add_project(
                actor=dw.chamber_admin,
                pair=pair,
                kind="charity",
                name="助学",
                started_on=dt.date(2024, 1, 1),
                fund=fund,
            )

    client.force_login(dw.fed_admin)
    grow(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow(6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
