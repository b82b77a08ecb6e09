"""Property-based tests of the identifier validators: every generated valid identifier passes, every
single-character change of one fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shanghui.lib.validators import (
    CREDIT_CHARS,
    ID_CHECK_CHARS,
    PROVINCE_CODES,
    birth_date_from_id,
    credit_check_char,
    credit_code_error,
    id_check_char,
    id_number_error,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

bounded = settings(max_examples=200, deadline=None)

# A couple of days back, so that dates generated up to it lie in the past in any time zone.
TODAY = dt.date.today() - dt.timedelta(days=2)
DIGITS = "0123456789"

# --- generators -------------------------------------------------------------------------------------

provinces = st.sampled_from(sorted(PROVINCE_CODES))
birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


@st.composite
def id_numbers(draw: st.DrawFn, birth: st.SearchStrategy[dt.date] = birth_dates) -> str:
    province = draw(provinces)
    # A county part that is not "0000", as on every mainland card.
    county = draw(st.integers(min_value=101, max_value=9999))
    born = draw(birth)
    order = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province}{county:04d}{born:%Y%m%d}{order:03d}"
    return first17 + id_check_char(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    chars = st.sampled_from(CREDIT_CHARS)
    authority_and_kind = "".join(draw(st.lists(chars, min_size=2, max_size=2)))
    region = draw(st.integers(min_value=110000, max_value=829999))
    organisation = "".join(draw(st.lists(chars, min_size=9, max_size=9)))
    first17 = f"{authority_and_kind}{region}{organisation}"
    return first17 + credit_check_char(first17)


def replace_at(value: str, index: int, char: str) -> str:
    return value[:index] + char + value[index + 1 :]


# --- resident ID numbers ------------------------------------------------------------------------------


def test_known_real_id_number_is_valid():
    assert id_number_error("11010519491231002X") is None
    assert birth_date_from_id("11010519491231002X") == dt.date(1949, 12, 31)


@bounded
@given(id_numbers())
def test_generated_id_numbers_pass(value):
    assert id_number_error(value, today=TODAY) is None
    validate_id_number(value)  # no exception: the birth dates lie in the past of the real today too


@bounded
@given(id_numbers(), st.integers(min_value=0, max_value=17), st.sampled_from(DIGITS + "X"))
def test_any_single_character_change_fails(value, index, char):
    assume(value[index] != char)
    # Every weight is non-zero modulo 11 (a prime), so one changed digit always changes the check.
    assert id_number_error(replace_at(value, index, char), today=TODAY) is not None


@bounded
@given(id_numbers())
def test_wrong_check_character_fails(value):
    for wrong in set(ID_CHECK_CHARS) - {value[17]}:
        assert id_number_error(value[:17] + wrong, today=TODAY) == "身份证号校验位不正确，请核对"


@bounded
@given(id_numbers(birth=st.dates(min_value=TODAY + dt.timedelta(days=1), max_value=dt.date(2099, 12, 31))))
def test_future_birth_dates_fail(value):
    assert id_number_error(value, today=TODAY) == "身份证号中的出生日期无效"


def test_born_today_passes_and_tomorrow_fails():
    first17 = f"330802{TODAY:%Y%m%d}123"
    assert id_number_error(first17 + id_check_char(first17), today=TODAY) is None
    tomorrow = f"330802{TODAY + dt.timedelta(days=1):%Y%m%d}123"
    assert id_number_error(tomorrow + id_check_char(tomorrow), today=TODAY) is not None


def test_lower_case_x_fails_until_normalised():
    assert id_number_error("11010519491231002x") is not None
    assert normalize_id_number(" 110105 19491231 002x ") == "11010519491231002X"
    assert id_number_error(normalize_id_number("11010519491231002x")) is None


def test_full_width_input_is_normalised():
    # Chinese input methods type full-width digits and letters.
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X\n",  # "$" would match before a trailing newline
        "1101051949123100\u0662X",  # an Arabic-Indic digit 2, which \d and int() accept
        "11010519491231002",  # 17 characters
        "110105194912310021X",  # 19 characters
        "99010519491231002X",  # no such province
        "110105194902300028",  # 30 February
        "110105189912310023",  # before 1900
    ],
)
def test_malformed_id_numbers_fail(value):
    assert id_number_error(value) is not None
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    assert info.value.code == "invalid_id_number"


def test_residence_permits_of_hong_kong_macao_taiwan_pass():
    for region in ("810000", "820000", "830000"):
        first17 = f"{region}19900101123"
        assert is_valid_id_number(first17 + id_check_char(first17)), region
    first17 = "33000019900101123"  # a mainland province without a county part is not a card
    assert not is_valid_id_number(first17 + id_check_char(first17))


# --- unified social credit codes ----------------------------------------------------------------------


def test_known_real_credit_code_is_valid():
    assert credit_code_error("91350100M000100Y43") is None


@bounded
@given(credit_codes())
def test_generated_credit_codes_pass(value):
    assert credit_code_error(value) is None
    validate_credit_code(value)


@pytest.mark.parametrize("first", ["N", "Y", "A", "1", "5", "9"])
@bounded
@given(body=credit_codes())
def test_credit_codes_starting_with_any_authority_code_pass(first, body):
    first17 = first + body[1:17]
    assert is_valid_credit_code(first17 + credit_check_char(first17))


@bounded
@given(credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CHARS))
def test_altered_credit_codes_fail(value, index, char):
    assume(value[index] != char)
    # 31 is prime and no weight is a multiple of it: one changed character always changes the check.
    assert credit_code_error(replace_at(value, index, char)) is not None


@bounded
@given(credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from("IOSVZ"))
def test_credit_codes_with_excluded_letters_fail(value, index, letter):
    assert credit_code_error(replace_at(value, index, letter)) is not None


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_excluded_letter_with_a_matching_check_character_still_fails(letter):
    # Even a code whose check character were computed over the letter is invalid.
    first17 = "91350100M000100Y4"
    altered = replace_at(first17, 8, letter)
    assert credit_code_error(altered + "0") is not None
    assert "无效字符" in (credit_code_error(altered + "0") or "")


def test_malformed_credit_codes_fail_cleanly():
    assert credit_code_error("91350100M000100Y4") == "统一社会信用代码应为18位"
    assert credit_code_error("9135010AM000100Y43") is not None  # a letter in the region code
    # A non-ASCII digit used to reach CREDIT_CHARS.index() and crash with ValueError.
    assert credit_code_error("9135\u0661100M000100Y43") is not None
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91350100M000100Y44")
    assert info.value.code == "invalid_credit_code"
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


# --- mobile numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13912345678",
        " 13912345678 ",
        "139 1234 5678",
        "139-1234-5678",
        "+86 139 1234 5678",
        "+8613912345678",
        "0086 139-1234-5678",
        "(+86) 139 1234 5678",
        "86 13912345678",
        "１３９１２３４５６７８",
    ],
)
def test_mobile_normalisation(typed):
    assert normalize_mobile(typed) == "13912345678"
    assert is_valid_mobile(normalize_mobile(typed))


@bounded
@given(st.sampled_from("3456789"), st.text(alphabet=DIGITS, min_size=9, max_size=9))
def test_generated_mobiles_pass(second, rest):
    assert is_valid_mobile(f"1{second}{rest}")
    validate_mobile(f"1{second}{rest}")


@pytest.mark.parametrize(
    "value",
    ["12912345678", "1391234567", "139123456789", "23912345678", "13912345678\n", "1391234567８", ""],
)
def test_invalid_mobiles_fail(value):
    assert not is_valid_mobile(value)
    with pytest.raises(ValidationError) as info:
        validate_mobile(value)
    assert info.value.code == "invalid_mobile"
    assert "手机号" in info.value.messages[0]
