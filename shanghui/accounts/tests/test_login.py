"""Logging in and out: username in any case or mobile number, Chinese errors, audit rows without the
typed login, lock-out after repeated failures, and the session and hashing settings."""

from __future__ import annotations

import io
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import shanghui.settings as production_settings
from shanghui.audit.models import AuditEntry
from shanghui.audit.services import verify_chain

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
HOME = reverse("home:index")
WRONG_LOGIN = "用户名（或手机号）或密码不正确"
LOCKED = "账号已暂时锁定"
ADDRESS_BLOCKED = "本网络登录失败次数过多"
ATTACKER, OFFICE, ELSEWHERE = "203.0.113.7", "198.51.100.20", "192.0.2.44"


def login(client, username, password, address="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def row_text(entry: AuditEntry) -> str:
    return json.dumps(
        {field.attname: getattr(entry, field.attname) for field in AuditEntry._meta.concrete_fields},
        ensure_ascii=False,
        default=str,
    )


def spaced(mobile: str) -> str:
    return f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"


# --- logging in -------------------------------------------------------------------------------------


def test_login_page_is_chinese(client, db):
    html = client.get(LOGIN).content.decode()
    assert "用户名或手机号" in html and "密码" in html


@pytest.mark.parametrize("typed", ["fed_admin", "FED_ADMIN", "Fed_Admin", "  fed_admin  "])
def test_login_with_username_in_any_case(client, world, typed):
    response = login(client, typed, world.password)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert logged_in_user_id(client) == world.fed_admin.pk


def test_login_with_mobile_number(client, world):
    response = login(client, world.clerk.mobile, world.password)
    assert response.status_code == 302
    assert logged_in_user_id(client) == world.clerk.pk


def test_login_with_mobile_number_as_typed_with_country_code(client, world):
    response = login(client, spaced(world.clerk.mobile), world.password)
    assert response.status_code == 302
    assert logged_in_user_id(client) == world.clerk.pk


def test_username_wins_over_someone_elses_mobile(client, world):
    # A username that happens to equal another person's mobile number names that account, always.
    world.outsider.username = world.clerk.mobile
    world.outsider.save()
    login(client, world.clerk.mobile, world.password)
    assert logged_in_user_id(client) == world.outsider.pk


def test_inactive_account_cannot_log_in(client, world):
    world.clerk.is_active = False
    world.clerk.save()
    response = login(client, "clerk", world.password)
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_and_logout_are_audited(client, world):
    login(client, "fed_admin", world.password)
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_id) == ("auth.login", world.fed_admin.pk)
    assert entry.ip == "127.0.0.1"

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_id) == ("auth.logout", world.fed_admin.pk)
    assert verify_chain().ok


# --- failures ---------------------------------------------------------------------------------------


def test_wrong_password_shows_chinese_error_and_is_audited_without_the_login(client, world):
    response = login(client, world.clerk.mobile, "wrong-password")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert logged_in_user_id(client) is None

    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "auth.login_failed"
    assert entry.actor_id is None
    assert set(entry.detail) == {"login_hash"}
    stored = row_text(entry)
    assert world.clerk.mobile not in stored
    assert len(entry.detail["login_hash"]) == 16
    assert "wrong-password" not in stored


def test_failed_logins_for_the_same_login_share_a_hash(client, world):
    login(client, "clerk", "wrong-1")
    login(client, "CLERK", "wrong-2")
    login(client, "agent", "wrong-3")
    hashes = [
        e.detail["login_hash"] for e in AuditEntry.objects.filter(action="auth.login_failed").order_by("seq")
    ]
    assert hashes[0] == hashes[1] != hashes[2]
    assert all("clerk" not in row_text(e) for e in AuditEntry.objects.filter(action="auth.login_failed"))


def test_unknown_login_fails_the_same_way(client, db):
    response = login(client, "nobody", "whatever-password")
    assert response.status_code == 200
    assert WRONG_LOGIN in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 1


# --- lock-out (django-axes) ----------------------------------------------------------------------------


def fail_until_locked(client, logins: list[str], limit: int):
    responses = [login(client, logins[n % len(logins)], f"wrong-{n}") for n in range(limit)]
    return responses[-1]


def test_account_is_locked_after_the_failure_limit_even_with_the_right_password(client, world, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        assert login(client, "clerk", f"wrong-{n}").status_code == 200
    last = login(client, "clerk", "wrong-last")
    assert last.status_code == 429  # django-axes 8: AXES_HTTP_RESPONSE_CODE defaults to 429

    response = login(client, "clerk", world.password)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert logged_in_user_id(client) is None


def test_another_account_is_not_locked(client, world, settings):
    fail_until_locked(client, ["clerk"], settings.AXES_FAILURE_LIMIT)
    response = login(client, "agent", world.password)
    assert response.status_code == 302
    assert logged_in_user_id(client) == world.agent.pk


def test_varying_case_or_using_the_mobile_number_does_not_escape_the_lock(client, world, settings):
    mobile = world.clerk.mobile
    forms = ["clerk", "CLERK", "Clerk", mobile, spaced(mobile), "cLeRk"]
    fail_until_locked(client, forms, settings.AXES_FAILURE_LIMIT)
    for typed in ("clerk", "CLERK", mobile):
        response = login(client, typed, world.password)
        assert response.status_code == 429, typed
    assert logged_in_user_id(client) is None


def test_lock_out_table_holds_no_typed_mobile_number(client, world, settings):
    fail_until_locked(client, [world.clerk.mobile], 2)
    login(client, "13812345678", "wrong")  # nobody's number
    for attempt in AccessAttempt.objects.all():
        assert world.clerk.mobile not in attempt.username + attempt.post_data
        assert "13812345678" not in attempt.username + attempt.post_data
    assert AccessAttempt.objects.filter(username="clerk").exists()


def test_lock_out_page_says_for_how_long_in_chinese(client, world, settings):
    settings.AXES_COOLOFF_TIME = 15 / 60
    fail_until_locked(client, ["clerk"], settings.AXES_FAILURE_LIMIT)
    html = login(client, "clerk", world.password).content.decode()
    assert LOCKED in html and "15 分钟后再试" in html
    assert "PT15M" not in html


# --- lock-out by account and address (a public phone number must not lock its owner out) -------------


def test_failures_from_another_address_do_not_lock_the_owner_out(world, settings):
    # Someone who knows the agent's login mobile (e.g. from a public page) tries passwords from their
    # own address until that pair is locked, and keeps trying.
    attacker, agent = Client(), Client()
    for n in range(settings.AXES_FAILURE_LIMIT * 2):
        login(attacker, world.agent.mobile, f"guess-{n}", address=ATTACKER)
    assert login(attacker, world.agent.mobile, world.password, address=ATTACKER).status_code == 429

    # The agent, from the office, logs in as ever.
    response = login(agent, world.agent.mobile, world.password, address=OFFICE)
    assert response.status_code == 302
    assert logged_in_user_id(agent) == world.agent.pk
    # And the agent's success leaves the attacker's lock where it is.
    assert login(attacker, "agent", world.password, address=ATTACKER).status_code == 429


def test_the_owner_is_still_locked_by_their_own_failures(world, settings):
    office = Client()
    fail_until_locked(office, ["agent"], settings.AXES_FAILURE_LIMIT)  # from 127.0.0.1
    assert login(office, "agent", world.password).status_code == 429
    # Elsewhere the same account logs in: the lock belongs to the pair.
    assert login(Client(), "agent", world.password, address=ELSEWHERE).status_code == 302


def test_one_address_trying_many_accounts_is_blocked_at_the_address_limit(world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    attacker = Client()
    accounts = ["agent", "clerk", "fed_admin", "chamber_admin", "dept_admin", "agent_b"]
    per_account = settings.AXES_FAILURE_LIMIT - 1  # under every account's own limit
    tries = [(name, n) for n in range(per_account) for name in accounts][
        : settings.LOGIN_ADDRESS_FAILURE_LIMIT
    ]
    for name, n in tries[:-1]:
        assert login(attacker, name, f"guess-{n}", address=ATTACKER).status_code == 200
    blocked = login(attacker, *tries[-1], address=ATTACKER)
    assert blocked.status_code == 429
    # Now nobody logs in from that address, not even with a right password for an untried account...
    response = login(attacker, "auditor", world.password, address=ATTACKER)
    assert response.status_code == 429
    assert ADDRESS_BLOCKED in response.content.decode() and LOCKED not in response.content.decode()
    assert logged_in_user_id(attacker) is None
    # ...while every one of those accounts logs in from anywhere else.
    for name in accounts:
        assert login(Client(), name, world.password, address=OFFICE).status_code == 302, name


def test_the_address_limit_is_well_above_a_shared_office_typos(world, settings):
    # A county office behind one NAT address: a few colleagues mistype, then log in.
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT >= 4 * settings.AXES_FAILURE_LIMIT
    office = Client()
    for name in ("agent", "clerk", "fed_staff"):
        for n in range(settings.AXES_FAILURE_LIMIT - 1):
            login(office, name, f"typo-{n}", address=OFFICE)
        assert login(office, name, world.password, address=OFFICE).status_code == 302, name
        office.post(LOGOUT)


def test_axes_reset_username_unlocks_an_account_everywhere(world, settings):
    fail_until_locked(Client(), ["clerk"], settings.AXES_FAILURE_LIMIT)
    fail_until_locked(Client(), [world.clerk.mobile], settings.AXES_FAILURE_LIMIT)  # the mobile, too
    login(Client(), "clerk", "wrong", address=ATTACKER)
    call_command("axes_reset_username", "clerk", stdout=io.StringIO())
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    assert login(Client(), "clerk", world.password).status_code == 302


def test_axes_reset_ip_lifts_an_address_block(world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    attacker = Client()
    for name in ("agent", "clerk", "fed_admin"):
        login(attacker, name, "guess", address=ATTACKER)
    assert login(attacker, "auditor", world.password, address=ATTACKER).status_code == 429
    call_command("axes_reset_ip", ATTACKER, stdout=io.StringIO())
    assert login(attacker, "auditor", world.password, address=ATTACKER).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, world, settings):
    limit = settings.AXES_FAILURE_LIMIT
    fail_until_locked(client, ["clerk"], limit - 1)
    assert login(client, "clerk", world.password).status_code == 302
    client.post(LOGOUT)
    fail_until_locked(client, ["clerk"], limit - 1)
    assert login(client, "clerk", world.password).status_code == 302


# --- settings -----------------------------------------------------------------------------------------


def test_production_password_hasher_is_argon2():
    # conftest.py swaps in a fast hasher for tests: read the module, not django.conf.settings.
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()  # argon2-cffi is installed, so the hasher works
    encoded = hasher.encode("Shanghui#2026", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("Shanghui#2026", encoded)
    assert not hasher.verify("shanghui#2026", encoded)


def test_sessions_end_with_the_browser_and_expire():
    assert production_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < production_settings.SESSION_COOKIE_AGE <= 24 * 3600
    assert production_settings.SESSION_COOKIE_HTTPONLY is True


def test_session_cookie_is_a_browser_session_cookie(client, world):
    response = login(client, "clerk", world.password)
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]
