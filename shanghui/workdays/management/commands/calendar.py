from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanghui.workdays.calendar import seed_from_package


class Command(BaseCommand):
    help = "工作日历：从内置日历包载入法定节假日与调休（不覆盖管理员维护的日期）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed", help="load holidays and make-up working days from the chinesecalendar package"
        )
        seed.add_argument("--year", type=int, action="append", help="only this year (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        created, updated = seed_from_package(years=options.get("year"))
        self.stdout.write(f"工作日历已载入：新增 {created} 天，更新 {updated} 天")
