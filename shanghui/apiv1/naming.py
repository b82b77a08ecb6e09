"""One name per enum in the OpenAPI document.

Several apps call their choices `Status` or `Kind` (a proxy case's status, an activity's, a gift's…).
django-ninja builds each model's JSON schema on its own and merges their definitions into the document by
short name, so a later `Status` overwrote the proxy case's and the document described responses wrongly
(schemathesis caught it). The choices of the programmes after the proxy service are named by app and
class: `DonationsFundStatus`, `ActivitiesStatus`; the names the document had before stay.
"""

from __future__ import annotations

from typing import Any

import ninja.openapi.schema
from ninja.schema import NinjaGenerateJsonSchema
from pydantic.json_schema import CoreModeRef, DefsRef

# The apps whose choices the document named before the programmes came: their names stay.
KEEP_SHORT = tuple(
    f"shanghui.{app}." for app in ("proxy", "catalog", "orgs", "accounts", "notify", "conversations", "audit")
)


class UniqueChoiceNames(NinjaGenerateJsonSchema):
    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        defs_ref = super().get_defs_ref(core_mode_ref)
        path = core_mode_ref[0].rsplit(":", 1)[0]
        module, _, qualname = path.partition(".models.")
        if qualname and module.startswith("shanghui.") and not path.startswith(KEEP_SHORT):
            app = module.split(".")[1]
            unique = DefsRef(app.title() + qualname.replace(".", ""))
            choices: list[Any] = self._prioritized_defsref_choices[defs_ref]
            self._prioritized_defsref_choices[defs_ref] = [unique, *choices]
        return defs_ref


def install() -> None:
    """Make ninja's document builder use it (it names the generator class at module level)."""
    ninja.openapi.schema.NinjaGenerateJsonSchema = UniqueChoiceNames  # type: ignore[misc]
