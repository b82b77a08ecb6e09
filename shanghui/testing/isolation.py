"""What every test gets without asking: a fast password hasher, its own audit anchors, empty rate
windows and a search index that forgets the test's rows (autouse fixtures), and the example
programme's tables in every test database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    # The workflow kernel's example programme has models no migration makes (its tests import them, and
    # then a deleted user cascades to them in any test): its tables are in every test database.
    from shanghui.workflow.tests.example import create_tables

    with django_db_blocker.unblock():
        create_tables()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # Argon2 is the production hasher (tested in accounts); tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_anchor_files = itertools.count()


@pytest.fixture(autouse=True)
def _audit_anchors_of_this_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Each test's database starts empty: its audit anchors must not meet another test's (nor the
    # developer's var/audit-anchors.log). Periodic anchors only where a test turns them on.
    path = tmp_path_factory.getbasetemp() / f"audit-anchors-{next(_anchor_files)}.log"
    settings.AUDIT_ANCHOR = [f"file:{path}"]
    settings.AUDIT_ANCHOR_INTERVAL = 0


@pytest.fixture(autouse=True)
def _fresh_rate_windows() -> Iterator[None]:
    # Rate windows (shanghui/lib/ratelimit.py) live in the cache, which outlives a test's database: each
    # test starts with none, or one test's posts would count against the next one's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_search_index() -> Iterator[None]:
    # The search index lives in the process and re-reads the catalogue at most once a second; a test's
    # rolled-back items must not answer the next test's searches (CI saw exactly that).
    from shanghui.catalog import search

    yield
    search.invalidate()
