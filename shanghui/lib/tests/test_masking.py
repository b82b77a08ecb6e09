from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanghui.lib.masking import mask_id_number, mask_mobile, mask_name


def test_id_number_keeps_region_and_last_four():
    assert mask_id_number("330802199001011234") == "330802********1234"
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_mobile_keeps_prefix_and_last_four():
    assert mask_mobile("18012341999") == "180****1999"


def test_name_keeps_family_name():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"


@pytest.mark.parametrize("mask", [mask_id_number, mask_mobile, mask_name])
def test_empty_values(mask):
    assert mask("") == ""
    assert mask(None) == ""


def test_short_values_are_masked_entirely():
    assert mask_id_number("123456789") == "*********"
    assert mask_mobile("123456") == "******"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_masked_id_number_never_shows_the_birth_date(value):
    masked = mask_id_number(value)
    assert len(masked) == 18
    assert masked[6:14] == "********"
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_masked_mobile_hides_the_middle_four(value):
    masked = mask_mobile(value)
    assert masked == value[:3] + "****" + value[-4:]
