from django.apps import AppConfig


class ProxyConfig(AppConfig):
    name = "shanghui.proxy"
    label = "proxy"
    verbose_name = "政会联通代办"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from shanghui.lib import owners
        from shanghui.proxy.models import Case
        from shanghui.proxy.owner import PROXY_CASE, CaseOwner, case_saved

        # The case's conversation (代办群) asks the case's own access rules, and hears of their changes.
        owners.register(PROXY_CASE, CaseOwner())
        post_save.connect(case_saved, sender=Case, dispatch_uid="proxy.case_saved")
        post_delete.connect(case_saved, sender=Case, dispatch_uid="proxy.case_deleted")
