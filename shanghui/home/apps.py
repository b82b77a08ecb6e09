from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "shanghui.home"
    label = "home"
