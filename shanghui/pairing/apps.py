from django.apps import AppConfig


class PairingConfig(AppConfig):
    name = "shanghui.pairing"
    label = "pairing"
    verbose_name = "结对帮扶"
