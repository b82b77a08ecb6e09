"""The index of this process, and the public search over it.

The index lives in memory, one per process, built from the database. A cheap stamp of the catalogue
(counts and latest change times) is checked at most once a second, so a change made by another process
is seen; signal receivers make changes made in this process visible at once. A rebuild runs under a
lock while other threads keep using the old index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from typing import Any, Unpack

from shanghui.catalog.search import rank
from shanghui.catalog.search.index import IndexedItem, SearchIndex
from shanghui.catalog.search.rank import Results, SearchHit, SearchOptions
from shanghui.catalog.search.text import normalise

logger = logging.getLogger("shanghui.catalog.search")  # the package's name, as before the split

# How often (seconds) a process asks the database whether the catalogue changed.
STAMP_INTERVAL = 1.0

_index: SearchIndex | None = None
_checked_at = 0.0
_dirty = True
_build_lock = threading.Lock()


def catalogue_stamp() -> tuple[Any, ...]:
    """What changes whenever the indexed catalogue does, in one cheap query: counts and the latest
    change of items and synonyms, the count and highest id of materials, the latest department change."""
    from django.db import connection

    from shanghui.catalog.models import Material, ServiceItem, Synonym
    from shanghui.orgs.models import Organisation

    q = connection.ops.quote_name
    item, synonym = q(ServiceItem._meta.db_table), q(Synonym._meta.db_table)
    material, org = q(Material._meta.db_table), q(Organisation._meta.db_table)
    # Only our models' quoted table names go into the text; the one value is a parameter.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {item}), (SELECT MAX({q('updated_at')}) FROM {item}), "  # noqa: S608
        f"(SELECT COUNT(*) FROM {synonym}), (SELECT MAX({q('updated_at')}) FROM {synonym}), "
        f"(SELECT COUNT(*) FROM {material}), (SELECT MAX({q('id')}) FROM {material}), "
        f"(SELECT MAX({q('updated_at')}) FROM {org} WHERE {q('kind')} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["department"])
        row = cursor.fetchone()
    return tuple(row) if row else ()


def load_items() -> list[IndexedItem]:
    from shanghui.catalog.models import Material, ServiceItem

    materials: dict[int, list[str]] = defaultdict(list)
    for item_id, name in Material.objects.order_by("item_id", "position", "id").values_list(
        "item_id", "name"
    ):
        materials[item_id].append(name)
    rows = ServiceItem.objects.order_by("id").values_list(
        "id", "code", "name", "item_type", "department_id", "department__name", "group_name",
        "description", "usage_count", "is_online", "proxy_eligible",
    )  # fmt: skip
    return [
        IndexedItem(
            id=pk,
            code=code,
            name=name,
            item_type=item_type,
            department_id=dept_id,
            department=dept,
            group=group,
            description=description,
            materials=tuple(materials.get(pk, ())),
            usage_count=usage,
            is_online=online,
            proxy_eligible=proxy,
        )  # fmt: skip
        for pk, code, name, item_type, dept_id, dept, group, description, usage, online, proxy in rows
    ]


def load_synonyms() -> list[tuple[str, str]]:
    from shanghui.catalog.models import Synonym

    return list(Synonym.objects.filter(is_active=True).values_list("phrase", "terms"))


def build_index() -> SearchIndex:
    # The stamp is read before the data: a change committed in between triggers another rebuild.
    stamp = catalogue_stamp()
    index = SearchIndex(load_items(), load_synonyms(), stamp=stamp)
    logger.info("catalogue search index: %d items in %.2fs", len(index.items), index.build_seconds)
    return index


def get_index() -> SearchIndex:
    """The current index, rebuilt when the catalogue changed. While one thread rebuilds, the others
    keep answering from the previous index; only the very first build makes them wait."""
    global _index, _checked_at, _dirty
    index = _index
    if index is not None and not _dirty and time.monotonic() - _checked_at < STAMP_INTERVAL:
        return index
    if not _build_lock.acquire(blocking=index is None):
        return index  # type: ignore[return-value]  # not None: a non-blocking acquire only happens then
    try:
        index = _index
        if index is not None and not _dirty and time.monotonic() - _checked_at < STAMP_INTERVAL:
            return index
        forced = _dirty
        _dirty = False  # before reading: a change made during the build marks it dirty again
        try:
            if index is None or forced or catalogue_stamp() != index.stamp:
                index = _index = build_index()
        except Exception:
            if index is None:
                raise
            # Keep answering from the previous catalogue; try again after the interval.
            logger.exception("catalogue search: rebuilding the index failed, the previous one stays")
            _dirty = _dirty or forced
        _checked_at = time.monotonic()
        return index
    finally:
        _build_lock.release()


def invalidate(**_: Any) -> None:
    """Rebuild before the next search (a change made in this process)."""
    global _dirty
    _dirty = True


def _changed(sender: Any, instance: Any = None, **_: Any) -> None:
    from django.db import transaction

    from shanghui.orgs.models import OrgKind

    if sender.__name__ == "Organisation" and getattr(instance, "kind", None) != OrgKind.DEPARTMENT:
        return
    invalidate()
    # Again after commit: a search between the save and the commit would have rebuilt from old data.
    transaction.on_commit(invalidate)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from shanghui.catalog.models import Material, ServiceItem, Synonym
    from shanghui.orgs.models import Organisation

    for model in (ServiceItem, Material, Synonym, Organisation):
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-search-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-search-{model.__name__}-delete")


def find(query: str, **options: Unpack[SearchOptions]) -> Results:
    """What a citizen typed, looked up (`rank.search`: limit 10, every department, offline items only
    for staff with `include_offline`) in this process's index: the items that really match, or, when
    none does, `matched` false and the closest groups and departments."""
    if not normalise(query):
        return Results([], matched=False)
    return rank.search(get_index(), query, **options)


def search(query: str, **options: Unpack[SearchOptions]) -> list[SearchHit]:
    """The items that really match what a citizen typed, best first (`find`); none when nothing does."""
    return find(query, **options).hits


def suggest(prefix: str, limit: int = 8, *, include_offline: bool = False) -> list[SearchHit]:
    """Suggestions while typing: the same search, fewer results."""
    return search(prefix, limit=limit, include_offline=include_offline)
