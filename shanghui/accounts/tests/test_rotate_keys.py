"""`shanghui rotate_keys`: every encrypted value ends up under the newest key, in batches, idempotently."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from shanghui.__main__ import main
from shanghui.accounts.management.commands.rotate_keys import encrypted_fields
from shanghui.accounts.models import User
from shanghui.lib.crypto import keyed_hash
from shanghui.orgs.tests.factories import UserFactory

ID_NUMBERS = [
    "11010519491231002X",
    "330802199001011239",
    "330802198512120017",
    "330825197003150028",
    "110105200002290014",
]


def raw_tokens() -> dict[int, str]:
    table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number FROM {table} WHERE id_number <> ''")  # noqa: S608  (model table)
        return dict(cursor.fetchall())


def rotate_keys(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


@pytest.fixture
def people(db, keys):
    users = [UserFactory(id_number=number, id_number_hash=keyed_hash(number)) for number in ID_NUMBERS]
    UserFactory.create_batch(3, id_number="")  # no ID number: nothing to rotate
    return users


def test_finds_every_encrypted_field():
    assert (User, User._meta.get_field("id_number")) in encrypted_fields()


def test_new_key_in_front_still_reads_old_tokens(people, keys, settings):
    old, new = keys
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert sorted(User.objects.exclude(id_number="").values_list("id_number", flat=True)) == sorted(
        ID_NUMBERS
    )


def test_rotation_re_encrypts_every_row_with_the_newest_key(people, keys, settings):
    old, new = keys
    before = raw_tokens()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(ImproperlyConfigured):  # the test means something: the new key alone cannot read
        User.objects.get(pk=people[0].pk)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    output = rotate_keys("--batch-size", "2")  # three batches for five rows

    after = raw_tokens()
    assert after.keys() == before.keys()
    assert all(after[pk] != before[pk] for pk in before)
    assert "accounts.User.id_number：共 5 行有值，重新加密 5 行" in output
    settings.FIELD_ENCRYPTION_KEYS = [new]
    for user, number in zip(people, ID_NUMBERS, strict=True):
        assert User.objects.get(pk=user.pk).id_number == number


def test_rotation_is_idempotent(people, keys, settings):
    old, new = keys
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    rotate_keys()
    once = raw_tokens()
    output = rotate_keys()
    assert raw_tokens() == once
    assert "重新加密 0 行" in output


def test_rotation_leaves_empty_values_empty(people, keys, settings):
    old, new = keys
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    rotate_keys()
    assert User.objects.filter(id_number="").count() == 3


def test_rehash_recomputes_the_lookup_hash(people, keys, settings):
    old, new = keys
    settings.FIELD_HASH_KEY = "a-new-hash-key"
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    output = rotate_keys("--rehash")
    assert "重算哈希 5 行" in output
    for user, number in zip(people, ID_NUMBERS, strict=True):
        user.refresh_from_db()
        assert user.id_number_hash == keyed_hash(number)
    assert User.objects.filter(id_number_hash=keyed_hash(ID_NUMBERS[1])).get() == people[1]


def test_runs_as_the_shanghui_console_command(people, keys, settings, capsys, monkeypatch):
    old, new = keys
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    monkeypatch.setattr(sys, "argv", ["shanghui", "rotate_keys"])
    main()
    assert "完成：共检查 5 行，重新加密 5 行" in capsys.readouterr().out
