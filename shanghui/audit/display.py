"""The audit log as people read it: a row's details as a sentence ("角色：代办员；组织：上海代办点"), not
JSON, and the actor by name. The stored detail stays exactly as written (it is part of the hash)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanghui.audit.models import AuditEntry

# What each detail key means. A key not listed here is shown as it is (never hidden: an auditor sees all).
LABELS: dict[str, Any] = {
    "api_token": gettext_lazy("API 令牌"),
    "case_id": gettext_lazy("办件"),
    "code": gettext_lazy("事项编码"),
    "enabled": gettext_lazy("启用"),
    "events": gettext_lazy("事件"),
    "field": gettext_lazy("字段"),
    "fields": gettext_lazy("修改的字段"),
    "file": gettext_lazy("文件"),
    "filters": gettext_lazy("筛选条件"),
    "from": gettext_lazy("原密钥"),
    "internal": gettext_lazy("内部消息"),
    "items": gettext_lazy("事项数"),
    "kind": gettext_lazy("类型"),
    "legacy_rows": gettext_lazy("旧式哈希行数"),
    "login_hash": gettext_lazy("登录名指纹"),
    "mode": gettext_lazy("方式"),
    "name": gettext_lazy("名称"),
    "offers_all": gettext_lazy("提供全部事项"),
    "org_id": gettext_lazy("组织"),
    "organisation": gettext_lazy("组织"),
    "owner_id": gettext_lazy("发起人"),
    "owner_type": gettext_lazy("所属"),
    "point_id": gettext_lazy("代办点"),
    "preview": gettext_lazy("页面内预览"),
    "role": gettext_lazy("角色"),
    "rows": gettext_lazy("行数"),
    "scope": gettext_lazy("权限范围"),
    "search": gettext_lazy("使用了关键词"),
    "seq": gettext_lazy("消息序号"),
    "service_code": gettext_lazy("事项编码"),
    "superuser": gettext_lazy("超级管理员"),
    "to": gettext_lazy("新密钥"),
    "total": gettext_lazy("总数"),
    "version": gettext_lazy("版本"),
    "via": gettext_lazy("途径"),
}
# Values that are codes: shown by their meaning.
VALUES: dict[str, Any] = {
    "id_number": gettext_lazy("身份证号"),
    "applicant_id_number": gettext_lazy("申请人身份证号"),
    "api": gettext_lazy("API"),
    "page": gettext_lazy("页面"),
    "proxy.case": gettext_lazy("代办件"),
    "replace": gettext_lazy("替换"),
    "merge": gettext_lazy("合并"),
}
ORG_KEYS = ("org_id", "organisation", "point_id")
USER_KEYS = ("owner_id",)


def _value(key: str, value: Any, names: dict[tuple[str, str], str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v, names) for v in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{_label(k)} {_value(k, v, names)}" for k, v in sorted(value.items())) or _("无")
    text = str(value)
    if key in ORG_KEYS or key in USER_KEYS:
        return names.get(("org" if key in ORG_KEYS else "user", text), f"#{text}")
    if key == "role":
        from shanghui.orgs.models import Role

        return str(Role(text).label) if text in Role.values else text
    if key == "kind":
        from shanghui.orgs.models import OrgKind

        return str(OrgKind(text).label) if text in OrgKind.values else text
    return str(VALUES.get(text, text))


def _label(key: str) -> str:
    return str(LABELS.get(key, key))


def _names(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], str]:
    """The names of the organisations and people the details refer to, in two queries for a page."""
    from shanghui.accounts.models import User
    from shanghui.orgs.models import Organisation

    org_ids: set[int] = set()
    user_ids: set[int] = set()
    for entry in entries:
        for key, value in (entry.detail or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                (org_ids if key in ORG_KEYS else user_ids if key in USER_KEYS else set()).add(value)
    names = {
        ("org", str(pk)): name
        for pk, name in Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name")
    }
    for user in User.objects.filter(pk__in=user_ids):
        names[("user", str(user.pk))] = user.display_name
    return names


def sentence(detail: dict[str, Any], names: dict[tuple[str, str], str] | None = None) -> str:
    """The detail as "标签：值；标签：值"; "" for none."""
    names = names or {}
    # By key: PostgreSQL's jsonb keeps keys in its own order, SQLite in the order written.
    return "；".join(f"{_label(k)}：{_value(k, v, names)}" for k, v in sorted((detail or {}).items()))


def actor_name(entry: AuditEntry) -> str:
    """The person by name with the login as it was ("张三（agent）"), or who acted without an account."""
    user = entry.actor if entry.actor_id else None
    username = entry.actor_username
    if user is not None and entry.actor_label not in ("anonymous",):
        name = getattr(user, "name", "") or ""
        if name and name != username:
            return f"{name}（{username}）"
    return entry.actor_display


def annotate(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Give each row of a page `detail_sentence` and `actor_name`."""
    names = _names(entries)
    for entry in entries:
        entry.detail_sentence = sentence(entry.detail, names)  # type: ignore[attr-defined]
        entry.actor_name = actor_name(entry)  # type: ignore[attr-defined]
    return entries
