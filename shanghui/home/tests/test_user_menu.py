"""The user menu (top right) leads everyone, whatever their roles, to their own settings."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["outsider", "clerk", "fed_admin"])
def test_the_user_menu_links_to_notification_settings_and_api_tokens(
    client: Client, world: SimpleNamespace, who: str
) -> None:
    client.force_login(getattr(world, who))

    html = client.get(reverse("home:index")).content.decode()

    assert f'href="{reverse("notify:preferences")}" data-nav="notify-preferences">通知设置</a>' in html
    assert f'href="{reverse("accounts:tokens")}" data-nav="tokens">API 令牌</a>' in html


def test_the_settings_page_it_leads_to_opens(client: Client, world: SimpleNamespace) -> None:
    client.force_login(world.outsider)
    assert client.get(reverse("notify:preferences")).status_code == 200


def test_no_user_menu_when_logged_out(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'data-nav="notify-preferences"' not in html


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/", "home"),
        ("/orgs/", "orgs"),
        ("/orgs/members/", "members"),
        ("/cases/stats/", "proxy"),
        ("/audit/", "audit"),
    ],
)
def test_the_navigation_lights_the_entry_the_page_belongs_to(
    client: Client, world: SimpleNamespace, path: str, active: str
) -> None:
    client.force_login(world.fed_admin)
    html = client.get(path).content.decode()
    lit = re.findall(r'class="nav-link active" href="[^"]*" data-nav="([^"]+)" aria-current="page"', html)
    assert lit == [active]
