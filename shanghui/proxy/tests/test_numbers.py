"""Case numbers {6-digit region}{yyyyMMdd}{6-digit serial}: the serial counts per home region and
Beijing day, and restarts each day; query codes avoid characters that are easy to misread."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from django.utils import timezone

from shanghui.lib.workdays import BEIJING
from shanghui.proxy import access, services
from shanghui.proxy.models import DailySerial

NUMBER = re.compile(r"(?P<region>[0-9]{6})(?P<date>[0-9]{8})(?P<serial>[0-9]{6})")


def applicant_of(pw: SimpleNamespace, region: str) -> services.Applicant:
    return services.Applicant(
        name="李四", id_number="330802199003070017", mobile="13800001235", home_region_code=region,
        current_city="杭州",
    )  # fmt: skip


def test_the_number_is_region_date_and_a_six_digit_serial(pw, clock):
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    first, second = pw.new_case(), pw.new_case()

    match = NUMBER.fullmatch(first.number)
    assert match is not None, first.number
    assert match.groupdict() == {"region": "330802", "date": "20260302", "serial": "000001"}
    assert second.number == "33080220260302000002"
    assert len(first.number) == 20


def test_the_serial_counts_per_home_region(pw, clock):
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    kecheng = pw.new_case()
    longyou = pw.new_case(applicant=applicant_of(pw, "330825"))
    kecheng2 = pw.new_case()

    assert [kecheng.number, longyou.number, kecheng2.number] == [
        "33080220260302000001", "33082520260302000001", "33080220260302000002",
    ]  # fmt: skip


def test_the_serial_starts_again_each_day(pw, clock):
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    pw.new_case()
    pw.new_case()
    clock.set(dt.datetime(2026, 3, 3, 9, 0, tzinfo=BEIJING))
    assert pw.new_case().number == "33080220260303000001"
    assert set(DailySerial.objects.values_list("day", "last")) == {
        (dt.date(2026, 3, 2), 2),
        (dt.date(2026, 3, 3), 1),
    }


def test_the_date_is_the_beijing_date_not_the_utc_one(pw, clock):
    # 23:30 and 00:30 Beijing time are 15:30 and 16:30 UTC of the same UTC day
    clock.set(dt.datetime(2026, 3, 1, 23, 30, tzinfo=BEIJING))
    late = pw.new_case()
    clock.set(dt.datetime(2026, 3, 2, 0, 30, tzinfo=BEIJING))
    early = pw.new_case()

    assert late.number == "33080220260301000001"
    assert early.number == "33080220260302000001"
    assert timezone.localtime(late.created_at).date() == dt.date(2026, 3, 1)


def test_query_codes_use_an_alphabet_without_look_alikes(pw):
    codes = [services.new_query_code() for _ in range(2000)]
    assert {len(code) for code in codes} == {8}
    used = set("".join(codes))
    assert used <= set(services.QUERY_CODE_ALPHABET)
    assert not used & set("01OI")
    assert len(used) == len(services.QUERY_CODE_ALPHABET) == 32  # every character does occur
    assert len(set(codes)) == len(codes)


def test_a_case_is_found_by_number_and_query_code_together(pw):
    case = pw.new_case()
    assert access.case_by_query_code(case.number, case.query_code.lower()) == case
    assert access.case_by_query_code(f" {case.number} ", case.query_code) == case
    assert access.case_by_query_code(case.number, "") is None
    wrong = "".join("2" if ch != "2" else "3" for ch in case.query_code)
    assert access.case_by_query_code(case.number, wrong) is None
