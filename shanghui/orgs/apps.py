from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "shanghui.orgs"
    label = "orgs"
