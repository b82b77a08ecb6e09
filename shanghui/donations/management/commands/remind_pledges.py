"""`shanghui remind_pledges`: remind the funds' staff of pledge instalments due within a week (run daily
from cron). A second run the same day reminds nobody twice (services.remind_due_instalments)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from shanghui.donations.services import remind_due_instalments


class Command(BaseCommand):
    help = "提醒经办人：7天内到期（或已逾期）且未到账的认捐分期。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = remind_due_instalments(today=timezone.localdate())
        self.stdout.write(f"已提醒 {count} 期认捐。")
