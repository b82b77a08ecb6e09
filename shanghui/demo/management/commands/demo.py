"""`shanghui demo`: load a believable Quzhou (衢州) for demonstrations and development.

Idempotent: a second run creates nothing and leaves existing passwords alone. Each part of the data
set is a `load(demo)` function; a new module adds its part to PARTS, by dotted path, after the parts
it builds on. By path, not by import: the demo app lies low in the layers (every programme's part uses
its loader), and the programmes' parts plug into it as apps plug into INSTALLED_APPS.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from shanghui.demo.loader import Demo, Login

PARTS: list[tuple[str, str]] = [
    ("组织（工商联、商会、代办点、部门、窗口、会员企业、结对村）", "shanghui.demo.quzhou.load"),
    ("登录账号", "shanghui.demo.people.load"),
    ("服务事项目录（衢州市 505 项、广安区）", "shanghui.catalog.demo.load_part"),
    ("代办件（近一年约 2,600 件）", "shanghui.proxy.demo.load"),
    ("代办群（上海代办点几件办件的会话）", "shanghui.proxy.conversation_demo.load"),
    ("纠纷调解（七个商会调委会，近一年 500 余件纠纷）", "shanghui.mediation.demo.load"),
    (
        "商会党建（三同时、五步审查、双强六好、疫情捐赠 ¥65,608,600、帮企解难 218 件）",
        "shanghui.party.demo.load",
    ),
    (
        "捐赠与结对帮扶（疫情捐赠 6,560.86 万元、基层公益百万元以上、103 家企业结对四川 100 个村）",
        "shanghui.donations.demo.load",
    ),
    ("活动与志愿服务（近一年各商会的活动，志愿服务 10,000+ 人次）", "shanghui.activities.demo.load"),
]


class Command(BaseCommand):
    help = "载入衢州演示数据（可重复运行，不会重复创建）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="所有新建演示账号共用的密码（也可用环境变量 DEMO_PASSWORD）；不指定则为每个账号随机生成",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="为已存在的演示账号重新设置密码（随机生成，或用 --password 指定的密码）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("DEMO_PASSWORD") or None
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError("演示密码不符合密码规则：" + "；".join(exc.messages)) from exc
        demo = Demo(stdout=self.stdout, password=password, reset_passwords=options["reset_passwords"])
        started = time.monotonic()
        # One transaction: an error half-way leaves the database as it was.
        with transaction.atomic():
            for label, path in PARTS:
                if options["verbosity"] >= 1:
                    self.stdout.write(f"· {label}")
                load: Callable[[Demo], None] = import_string(path)
                load(demo)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"衢州演示数据已就绪（{elapsed:.1f} 秒）。"))
        self.stdout.write("新建：" + _counts(demo.created))
        self.stdout.write("已存在，未改动：" + _counts(demo.existing))
        self._print_logins(demo)

    def _print_logins(self, demo: Demo) -> None:
        well_known = [login for login in demo.logins if login.well_known]
        others = [login for login in demo.logins if not login.well_known]
        header = ("用户名", "角色", "组织", "密码")
        rows = [_row(login) for login in well_known + others]
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        rule = tuple("-" * width for width in widths)
        self.stdout.write("")
        self.stdout.write("演示账号（登录页 /accounts/login/，用户名或手机号均可登录）：")
        for row in [header, rule, *rows[: len(well_known)], rule, *rows[len(well_known) :]]:
            self.stdout.write(_format(row, widths))
        self.stdout.write("")
        unchanged = sum(1 for login in demo.logins if login.password is None)
        if unchanged < len(demo.logins):
            self.stdout.write(self.style.WARNING("密码只显示这一次，请妥善保存。"))
        if unchanged:
            self.stdout.write(
                f"{unchanged} 个账号的密码已在首次运行时设置，本次未改动；"
                "如需重设，请运行 shanghui demo --reset-passwords（可加 --password 指定统一密码）。"
            )


def _row(login: Login) -> tuple[str, ...]:
    return (login.username, login.role, login.organisation, login.password or "（未改动）")


def _counts(counter: Any) -> str:
    return "、".join(f"{label} {n}" for label, n in counter.items()) or "无"


def _width(text: str) -> int:
    """Columns taken on a terminal: Chinese characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _format(row: tuple[str, ...], widths: list[int]) -> str:
    cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)]
    return "  ".join(cells).rstrip()
