from django.apps import AppConfig


class ProxyConfig(AppConfig):
    name = "shanghui.proxy"
    label = "proxy"
    verbose_name = "政会联通代办"
