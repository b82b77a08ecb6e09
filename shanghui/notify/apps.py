from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "shanghui.notify"
    label = "notify"
    verbose_name = "通知"
