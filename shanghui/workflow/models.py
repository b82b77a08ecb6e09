"""The event row every workflow writes: the timeline of a record (CONVENTIONS.md, habit 3).

A programme's event model subclasses EventBase and adds its foreign key to the record, e.g.

    class CaseEvent(EventBase):
        case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")

Machine.transition() writes one per action in the same transaction; tasks (deadlines) write theirs
with actor None and actor_kind "system". Append-only: nothing updates or deletes an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventBase(models.Model):
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    # Null actor: a person without an account (a citizen who proved a mobile) or the system; actor_kind
    # says which.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=12)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        abstract = True
