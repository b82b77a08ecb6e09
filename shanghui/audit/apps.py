from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "shanghui.audit"
    label = "audit"

    def ready(self) -> None:
        from shanghui.audit import checks  # noqa: F401  (registers the system checks)
