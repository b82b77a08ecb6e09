"""`shanghui rebuild_case_stats`: recount the statistics page's summaries (proxy/summaries.py) from the
cases. Needed after anything wrote cases without the services (a data fix in SQL, a restore of the case
tables alone) and once after upgrading to the release that introduced them; the demo runs it itself.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from shanghui.proxy.summaries import rebuild


class Command(BaseCommand):
    help = "从办件重新统计代办统计页的汇总数据"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        rows = rebuild()
        self.stdout.write(f"已重建办件统计汇总：{rows} 行，用时 {time.monotonic() - started:.1f} 秒")
