from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "shanghui.scorecards"
    label = "scorecards"
    verbose_name = "评价打分"

    def ready(self) -> None:
        from shanghui.lib import owners
        from shanghui.scorecards.owner import RoundOwner

        owners.register("scorecards.round", RoundOwner())
