from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "shanghui.mediation"
    label = "mediation"
    verbose_name = "涉企纠纷调解"

    def ready(self) -> None:
        from shanghui.lib import owners
        from shanghui.mediation.owner import DISPUTE, DisputeOwner

        # The dispute's conversation asks the dispute's own access rules (mediators' internal notes).
        owners.register(DISPUTE, DisputeOwner())
