"""`shanghui audit verify`: walk the hash chain of the audit log and name the first broken row.

Exit code 0 when the chain is intact, 1 when it is broken, so that a cron job or a monitoring check
can alert on it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanghui.audit.services import verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify}")
        verify = subcommands.add_parser("verify", help="校验整条哈希链，报告第一处断开的行")
        verify.add_argument("--batch-size", type=int, default=2000, help="每次从数据库读取的行数")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(batch_size=options["batch_size"])

    def verify(self, *, batch_size: int) -> None:
        report = verify_chain(batch_size=batch_size)
        if not report.ok:
            raise CommandError(
                f"BROKEN：审计日志哈希链在第 {report.broken_seq} 行断开：{report.reason}"
                f"（此前 {report.checked} 行校验通过）",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"OK：已校验 {report.checked} 行，审计日志哈希链完整"))
