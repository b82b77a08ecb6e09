"""`shanghui audit verify | anchor | rotate-key`.

verify: walk the hash chain of the audit log, check it against every anchor read back from the stores
of AUDIT_ANCHOR, name the first broken row, and anchor the verified head. Exit code 0 when the chain is
intact and every store was read and written, 1 when the chain is broken, 2 when it is intact but a
store could not be read or written — so a cron job or a monitoring check can alert on either.
anchor: write the head to the anchor stores now (for a cron job where no task worker runs).
rotate-key: move the chain to the newest key of AUDIT_HMAC_KEYS (or --to KEY_ID).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanghui.audit.services import anchor_head, rotate_key, verify_chain


class Command(BaseCommand):
    help = "审计日志：verify 校验哈希链和锚点；anchor 立即写入锚点；rotate-key 更换哈希密钥"

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{verify,anchor,rotate-key}"
        )
        verify = subcommands.add_parser("verify", help="校验整条哈希链和全部锚点，报告第一处断开的行")
        verify.add_argument("--batch-size", type=int, default=2000, help="每次从数据库读取的行数")
        subcommands.add_parser("anchor", help="把哈希链的最新一行写入锚点（AUDIT_ANCHOR）")
        rotate = subcommands.add_parser("rotate-key", help="改用 AUDIT_HMAC_KEYS 中最新的密钥")
        rotate.add_argument("--to", default=None, help="改用的密钥编号（默认：第一个）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(batch_size=options["batch_size"])
        elif options["subcommand"] == "anchor":
            self.anchor()
        else:
            self.rotate(options["to"])

    def verify(self, *, batch_size: int) -> None:
        report = verify_chain(batch_size=batch_size)
        for source in report.read_from:
            self.stdout.write(f"已读取锚点：{source}")
        for source in report.write_only:
            self.stdout.write(f"只写不读的锚点：{source}（请在日志汇集处核对）")
        if not report.ok:
            raise CommandError(
                f"BROKEN：审计日志哈希链在第 {report.broken_seq} 行断开：{report.reason}"
                f"（此前 {report.checked} 行校验通过）",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK：已校验 {report.checked} 行和 {report.anchors_checked} 个锚点，审计日志哈希链完整"
            )
        )
        if report.anchored:
            written = "未能写入全部锚点" if report.write_errors else "已写入锚点"
            self.stdout.write(f"{written}：第 {report.anchored.seq} 行 {report.anchored.hash}")
        problems = report.read_errors + report.write_errors
        if problems:
            raise CommandError("锚点存储有问题：" + "；".join(problems), returncode=2)

    def anchor(self) -> None:
        head, failures = anchor_head()
        if failures:
            raise CommandError("；".join(failures), returncode=2)
        if head is None:
            self.stdout.write("审计日志为空，没有可写入的锚点")
            return
        self.stdout.write(self.style.SUCCESS(f"已写入锚点：第 {head.seq} 行 {head.hash}"))

    def rotate(self, to: str | None) -> None:
        try:
            entry = rotate_key(to=to)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"已更换审计日志密钥：{entry.detail['from'] or '（旧式哈希）'} → {entry.key_id}"
                               f"（第 {entry.seq} 行）")
        )  # fmt: skip
