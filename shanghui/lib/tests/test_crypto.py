from __future__ import annotations

from typing import Any, cast

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from shanghui.accounts.models import User
from shanghui.lib.crypto import decrypt, encrypt, is_current, keyed_hash, rotate
from shanghui.orgs.tests.factories import UserFactory

ID_NUMBER = "11010519491231002X"


def make_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


def raw_column(user: User, column: str = "id_number") -> str:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(User._meta.db_table)
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [user.pk])  # noqa: S608  (names from the model)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_encrypted_field_round_trips():
    user = make_user(id_number=ID_NUMBER)
    assert User.objects.get(pk=user.pk).id_number == ID_NUMBER
    assert User.objects.filter(pk=user.pk).values_list("id_number", flat=True).get() == ID_NUMBER


@pytest.mark.django_db
def test_database_column_holds_no_clear_text():
    user = make_user(id_number=ID_NUMBER)
    stored = raw_column(user)
    assert stored and ID_NUMBER not in stored
    assert "19491231" not in stored
    assert decrypt(stored) == ID_NUMBER


@pytest.mark.django_db
def test_same_value_encrypts_differently_each_time():
    first, second = make_user(id_number=ID_NUMBER), make_user(id_number=ID_NUMBER)
    assert raw_column(first) != raw_column(second)


@pytest.mark.django_db
def test_empty_value_is_stored_as_empty():
    user = make_user(id_number="")
    assert raw_column(user) == ""
    assert User.objects.get(pk=user.pk).id_number == ""


def test_keyed_hash_is_equal_for_equal_input_only(settings):
    assert keyed_hash(ID_NUMBER) == keyed_hash(ID_NUMBER)
    assert keyed_hash(ID_NUMBER) != keyed_hash("110105194912310021")
    assert ID_NUMBER not in keyed_hash(ID_NUMBER)
    assert keyed_hash("") == ""
    before = keyed_hash(ID_NUMBER)
    settings.FIELD_HASH_KEY = "another-hash-key"
    assert keyed_hash(ID_NUMBER) != before


def test_old_tokens_decrypt_after_a_new_key_is_put_in_front(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt(ID_NUMBER)
    assert is_current(token)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt(token) == ID_NUMBER
    assert not is_current(token)
    rotated = rotate(token)
    assert is_current(rotated)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert decrypt(rotated) == ID_NUMBER
    with pytest.raises(ImproperlyConfigured):
        decrypt(token)


def test_invalid_key_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured):
        encrypt(ID_NUMBER)
