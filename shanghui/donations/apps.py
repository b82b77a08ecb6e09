from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "shanghui.donations"
    label = "donations"
    verbose_name = "捐赠台账"
