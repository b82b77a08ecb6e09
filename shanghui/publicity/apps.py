from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "shanghui.publicity"
    label = "publicity"
    verbose_name = "公示"
