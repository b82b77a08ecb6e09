from django.apps import AppConfig


class ProxyConfig(AppConfig):
    name = "shanghui.proxy"
    label = "proxy"
    verbose_name = "政会联通代办"

    def ready(self) -> None:
        from shanghui.lib import owners
        from shanghui.proxy.owner import PROXY_CASE, CaseOwner

        # The case's conversation (代办群) asks the case's own access rules.
        owners.register(PROXY_CASE, CaseOwner())
