from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "shanghui.audit"
    label = "audit"
