from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A live task worker (`shanghui db_worker`): a thread of the worker rewrites `seen_at` every few
    seconds while the process lives, whatever task it is running. A task row whose worker has not been
    seen for TASK_LEASE_SECONDS is put back in the queue (lease.py)."""

    worker_id = models.CharField(_("任务进程"), max_length=64, primary_key=True)
    host = models.CharField(_("主机"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("进程号"), default=0)
    started_at = models.DateTimeField(_("启动时间"))
    seen_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
