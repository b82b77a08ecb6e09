from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shanghui.demo"
    label = "demo"
