"""What a programme answers about the records its review chains attach to.

The programme registers one object in `lib/owners.py` (from its AppConfig.ready()) that is both an
`Owner` (who reads the record, who takes part: `Access.read`, `Access.post`) and a `ReviewOwner`:

* `reviewers(owner_id, slot)` — the people who sit on a slot of a single step for this record
  ("candidate", "branch_secretary", "chamber_head", "party_committee", …);
* `check(owner_id, name)` — a hard-rule check run before a step starts: the failures, in Chinese
  ("年龄超过70周岁"); none means it passed;
* `chain_finished(owner_id, chain)` — told (in the transaction) when a chain ends, whatever the outcome.

The engine imports no programme: it asks the registry every time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from shanghui.lib import owners
from shanghui.lib.owners import Owner

if TYPE_CHECKING:
    from shanghui.accounts.models import User
    from shanghui.reviews.models import Chain


class ReviewOwner(Owner, Protocol):
    def reviewers(self, owner_id: int, slot: str) -> list[User]: ...

    def check(self, owner_id: int, name: str) -> list[str]: ...

    def chain_finished(self, owner_id: int, chain: Chain) -> None: ...


def review_owner(owner_type: str) -> ReviewOwner:
    owner = owners.owner_for(owner_type)
    if owner is None or not hasattr(owner, "reviewers"):
        raise LookupError(f"no review owner registered for {owner_type!r}")
    return cast(ReviewOwner, owner)
