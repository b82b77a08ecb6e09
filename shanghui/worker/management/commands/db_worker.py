"""`shanghui db_worker`: django-tasks-db's worker with a lease on running tasks (see worker/lease.py).

This app is listed before django_tasks_db in INSTALLED_APPS, so `python -m shanghui db_worker` (and
`shanghui serve`) run this command; its options are the package's.
"""

from __future__ import annotations

import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base

from shanghui.worker.lease import Heartbeat, Lease


class Worker(base.Worker):
    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id, Lease.from_settings())
        heartbeat.start()
        try:
            super().run()
        finally:
            heartbeat.stop()


class Command(base.Command):
    help = "运行后台任务进程（django-tasks 数据库后端），带心跳与租约：进程中断的任务会重新运行。"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        # As the package's handle(), with this module's Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            base.logger.warning(
                "Warning: --reload and --batch cannot be specified together. Disabling autoreload."
            )
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise base.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )  # fmt: skip
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process that runs the tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
