from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "shanghui.party"
    label = "party"
    verbose_name = "商会党建"

    def ready(self) -> None:
        from shanghui.lib import owners
        from shanghui.party.owner import CandidateOwner, ElectionOwner
        from shanghui.party.sources import SOURCES
        from shanghui.party.workflow import CANDIDATE_OWNER, ELECTION_OWNER
        from shanghui.scorecards import sources

        # The 五步审查 chain of a candidate, the publicity of an election's candidate list.
        owners.register(CANDIDATE_OWNER, CandidateOwner())
        owners.register(ELECTION_OWNER, ElectionOwner())
        for key, label, answer in SOURCES:
            sources.register(key, label, answer)
