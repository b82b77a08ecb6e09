"""Validators for Chinese identifiers: resident ID number (GB 11643), unified social credit code
(GB 32100) and mainland mobile numbers. Each has a pure `is_valid_*` and a Django validator raising
a ValidationError with a Chinese message."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Resident ID number, GB 11643-1999 ----------------------------------------------------------

# Province-level codes of GB/T 2260 (first two digits of the region code).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    }
)  # fmt: skip
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# [0-9], not \d: \d also matches other scripts' digits (full-width, Arabic-Indic), which int() accepts.
# fullmatch() everywhere: "$" would also match before a trailing newline.
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
# Region codes without a county part: Taiwan (71) and the residence permits of residents of Hong Kong
# (810000), Macao (820000) and Taiwan (830000).
_REGION_ONLY_PROVINCES = frozenset({"71", "81", "82", "83"})


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _halfwidth(value: str) -> str:
    # NFKC turns full-width digits and letters, which Chinese input methods often produce, into ASCII.
    return unicodedata.normalize("NFKC", value)


def normalize_id_number(value: str) -> str:
    """What a form does with a typed ID number before validating it: full-width to ASCII, no
    spaces, a lower-case check character x upper-cased."""
    return re.sub(r"\s", "", _halfwidth(value)).upper()


def id_number_error(value: str, *, today: dt.date | None = None) -> str | None:
    """Why `value` is not a valid 18-digit resident ID number, or None when it is."""
    if not _ID_RE.fullmatch(value):
        return "身份证号应为18位：前17位为数字，最后一位为数字或大写X"
    if value[:2] not in PROVINCE_CODES or (value[2:6] == "0000" and value[:2] not in _REGION_ONLY_PROVINCES):
        return "身份证号的地区代码无效"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期无效"
    # The date in China (settings.TIME_ZONE), not the server's: someone born today is valid today.
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        return "身份证号中的出生日期无效"
    if id_check_char(value[:17]) != value[17]:
        return "身份证号校验位不正确，请核对"
    return None


def is_valid_id_number(value: str) -> bool:
    return id_number_error(value) is None


def validate_id_number(value: str) -> None:
    error = id_number_error(value)
    if error:
        raise ValidationError(error, code="invalid_id_number")


def birth_date_from_id(value: str) -> dt.date:
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


# --- Unified social credit code, GB 32100-2015 --------------------------------------------------

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(ch) * weight for ch, weight in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return re.sub(r"\s", "", _halfwidth(value)).upper()


def credit_code_error(value: str) -> str | None:
    if len(value) != 18:
        return "统一社会信用代码应为18位"
    if not _CREDIT_RE.fullmatch(value):
        return "统一社会信用代码含有无效字符（不使用I、O、S、V、Z），第3至8位应为行政区划码"
    if credit_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def is_valid_credit_code(value: str) -> bool:
    return credit_code_error(value) is None


def validate_credit_code(value: str) -> None:
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="invalid_credit_code")


# --- Mainland mobile number ---------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def normalize_mobile(value: str) -> str:
    """+86 139-1234-5678, 0086 13912345678, (+86)139 1234 5678, full-width digits → 13912345678."""
    value = re.sub(r"[\s\-()]", "", _halfwidth(value))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def is_valid_mobile(value: str) -> bool:
    return bool(_MOBILE_RE.fullmatch(value))


def validate_mobile(value: str) -> None:
    if not is_valid_mobile(value):
        raise ValidationError(_("请输入有效的11位手机号码（以1开头）"), code="invalid_mobile")


# --- Public telephone numbers (an organisation's contact number) ---------------------------------

# Area code (010, 02x; otherwise four digits) and a local number of 7 or 8 digits that never starts with
# 0 or 1 (trunk and service prefixes), with an optional extension.
_LANDLINE_RE = re.compile(r"(0[12][0-9]|0[3-9][0-9]{2})-?([2-9][0-9]{6,7})(?:(?:-|转|ext\.?)([0-9]{1,6}))?")
_SERVICE_RE = re.compile(r"([48]00)-?([0-9]{3})-?([0-9]{4})")  # 400 and 800 numbers
_HOTLINE_RE = re.compile(r"1[0-9]{4}|95[0-9]{3,4}")  # 12345, 12315; 95xxx
PHONE_ERROR = "请填写有效的电话号码：固定电话带区号（如 0570-3012345），或手机号、400/800 号码"


def normalize_phone(value: str) -> str:
    """One spelling per number, so that equal numbers compare equal: a mobile as 11 digits, a landline
    as 0570-3012345(-8001), a 400/800 number as 400-123-4567; anything else as typed, without spaces."""
    compact = re.sub(r"[\s()（）]", "", _halfwidth(value)).lower()
    mobile = normalize_mobile(compact)
    if is_valid_mobile(mobile):
        return mobile
    if match := _LANDLINE_RE.fullmatch(compact):
        area, local, extension = match.groups()
        return f"{area}-{local}" + (f"-{extension}" if extension else "")
    if match := _SERVICE_RE.fullmatch(compact):
        return "-".join(match.groups())
    return compact


def phone_error(value: str) -> str | None:
    """Why a normalised phone number is not one, or None."""
    if is_valid_mobile(value) or any(p.fullmatch(value) for p in (_LANDLINE_RE, _SERVICE_RE, _HOTLINE_RE)):
        return None
    return PHONE_ERROR
