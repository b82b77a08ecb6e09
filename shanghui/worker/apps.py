from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "shanghui.worker"
    label = "worker"
    verbose_name = "任务进程"
