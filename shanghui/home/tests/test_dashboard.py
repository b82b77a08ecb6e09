"""The home page per role: what needs each person's attention, for what exists so far."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shanghui.accounts.models import User
from shanghui.home.dashboard import cards_for
from shanghui.orgs.models import OrgKind, Role
from shanghui.orgs.tests.factories import make_org
from shanghui.testing.personas import person


def _cards(user: Any) -> dict[str, Any]:
    return {card.key: card for card in cards_for(user)}


def test_outsider_sees_the_no_roles_state(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.outsider)

    response = client.get(reverse("home:index"))

    assert response.status_code == 200
    assert 'data-testid="no-roles"' in response.content.decode()
    assert cards_for(world.outsider) == []


def test_anonymous_is_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get(reverse("home:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_federation_admin_sees_counts_members_inactive_accounts_and_their_organisation(
    world: SimpleNamespace,
) -> None:
    # Given one deactivated account in the city
    User.objects.filter(pk=world.lecturer.pk).update(is_active=False)

    cards = _cards(world.fed_admin)

    assert cards["count-federation"].value == "3"
    assert cards["count-chamber"].value == "2"
    assert cards["count-proxy_point"].value == "2"
    assert cards["count-window"].value == "2"
    assert cards["count-members"].value == "14"
    assert cards["inactive-members"].value == "1"
    assert [item.label for item in cards["inactive-members"].items] == [world.lecturer.display_name]
    assert [(item.label, item.note) for item in cards["my-orgs"].items] == [("衢州市工商联", "工商联管理员")]
    assert "cases-open" in cards and "cases-review" not in cards


def test_county_admin_counts_only_the_county(world: SimpleNamespace) -> None:
    cards = _cards(world.county_admin)

    assert cards["count-federation"].value == "1"
    assert cards["count-chamber"].value == "1"
    assert "count-window" not in cards
    assert cards["count-members"].value == "3"  # the county admin, chamber B's admin, agent B


def test_agent_sees_their_proxy_point_colleagues_and_the_case_queues(
    client: Client, world: SimpleNamespace
) -> None:
    # Given a second agent at the same proxy point
    person("colleague", (world.point_a, Role.AGENT), name="王五", mobile="18099991234")
    client.force_login(world.agent)

    response = client.get(reverse("home:index"))

    cards = {card.key: card for card in response.context["cards"]}
    assert [item.label for item in cards["my-proxy-points"].items] == ["上海代办点"]
    assert [(item.label, item.note) for item in cards["colleagues"].items] == [
        ("王五", "代办员 · 180****1234")
    ]
    assert "count-members" not in cards
    html = response.content.decode()
    assert 'data-card="cases-review"' in html and 'data-card="cases-correction"' in html
    assert "18099991234" not in html


def test_clerk_sees_their_window(world: SimpleNamespace) -> None:
    cards = _cards(world.clerk)

    assert [item.label for item in cards["my-windows"].items] == ["柯城区公安窗口"]
    assert cards["colleagues"].items == []
    assert "cases-incoming" in cards and "cases-processing" in cards


def test_mediator_sees_their_organisation_without_member_figures(world: SimpleNamespace) -> None:
    cards = _cards(world.mediator)

    # Mediation is on the platform: no "not yet" card; the desk card needs a committee seat.
    assert list(cards) == ["my-orgs"]


def test_a_role_whose_programme_is_not_here_yet_lands_on_a_page_that_says_so(
    client: Client, world: SimpleNamespace
) -> None:
    client.force_login(world.lecturer)
    html = client.get(reverse("home:index")).content.decode()

    assert 'data-card="pending-lectures"' in html
    assert "宣讲员的工作尚未上线" in html and "“青年企业家宣讲团”模块还没有在商会+上线" in html
    # What the person can do meanwhile, as links: their organisations, their notification settings.
    assert f'href="{reverse("orgs:list")}"' in html and f'href="{reverse("notify:preferences")}"' in html
    # People whose roles all have their pages are told nothing of the kind.
    assert not any(key.startswith("pending-") for key in _cards(world.agent))
    assert not any(key.startswith("pending-") for key in _cards(world.fed_admin))


def test_auditor_sees_counts_but_no_inactive_account_list(world: SimpleNamespace) -> None:
    cards = _cards(world.auditor)

    assert "count-members" in cards
    assert "inactive-members" not in cards


def test_home_queries_do_not_grow_with_the_scope(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.fed_admin)
    client.get(reverse("home:index"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home:index"))

    for n in range(25):
        chamber = make_org(OrgKind.CHAMBER, f"商会{n}", world.county)
        person(None, (chamber, Role.CHAMBER_STAFF), is_active=n % 2 == 0)

    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("home:index"))
    assert response.status_code == 200
    # 13, the volunteering cards' two aggregates, today's case list and the weekly trend (one each).
    assert len(large) == len(small) <= 17
