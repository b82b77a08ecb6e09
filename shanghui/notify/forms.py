"""Forms of the notification pages: validation at the edge, in Chinese. The writes happen in services,
which check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanghui.accounts.models import User
from shanghui.notify.events import EVENTS, TEST_EVENT, event_label
from shanghui.notify.models import ChannelConfig, ChannelKind, MessageFormat, OutboxMessage, RobotKind
from shanghui.orgs.access import organisations_administered_by
from shanghui.orgs.forms import OrgChoiceField
from shanghui.ui.forms import BootstrapForm, FilterForm


def _event_choices() -> list[tuple[str, str]]:
    """The events in the reader's language (a callable: the form class is built once, at import)."""
    return [(event, event_label(event)) for event in EVENTS]


def _failed_event_choices() -> list[tuple[str, str]]:
    return [("", gettext("全部事件")), *_event_choices(), (TEST_EVENT, event_label(TEST_EVENT))]


class ChannelConfigForm(BootstrapForm):
    organisation = OrgChoiceField(
        label=_("所属组织"), queryset=None, empty_label=_("请选择组织"),
        help_text=_("机器人接收该组织及其下级组织的事件通知。"),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("类型"), choices=RobotKind.choices)
    name = forms.CharField(label=_("名称"), max_length=60, help_text=_("例如：上海代办点工作群"))
    webhook_url = forms.CharField(
        label=_("Webhook 地址"), max_length=500, required=False,
        help_text=_("在群设置 → 智能群助手/机器人中添加自定义机器人后复制。保存后不再显示。"),
    )  # fmt: skip
    secret = forms.CharField(
        label=_("加签密钥"), max_length=200, required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("钉钉机器人选择“加签”安全设置时填写（SEC 开头）；企业微信不需要。保存后不再显示。"),
    )  # fmt: skip
    msg_format = forms.ChoiceField(label=_("消息格式"), choices=MessageFormat.choices)
    events = forms.MultipleChoiceField(
        label=_("订阅的事件"), choices=_event_choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个事件")},
    )  # fmt: skip
    mention = forms.BooleanField(label=_("@被通知的相关人员（按手机号）"), required=False)
    enabled = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args: Any, user: User, config: ChannelConfig | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = config
        queryset: QuerySet[Any] = organisations_administered_by(user).order_by("path")
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset
        self.fields["events"].widget.attrs["class"] = "form-check-input"
        if config is None:
            self.fields["webhook_url"].required = True
        else:
            self.fields["webhook_url"].help_text = gettext("已设置。如需更换，粘贴新的地址；留空则保持不变。")
            if config.secret:
                self.fields["secret"].help_text = gettext("已设置。如需更换，填写新的密钥；留空则保持不变。")

    @staticmethod
    def initial_for(config: ChannelConfig | None) -> dict[str, Any]:
        if config is None:
            return {"msg_format": MessageFormat.MARKDOWN, "mention": True, "enabled": True,
                    "events": ["case.forward", "case.overdue"]}  # fmt: skip
        return {
            "organisation": config.organisation_id, "kind": config.kind, "name": config.name,
            "msg_format": config.msg_format, "events": config.events, "mention": config.mention,
            "enabled": config.enabled,
        }  # fmt: skip


STATE_CHOICES = [
    ("", _("失败（全部）")),
    (OutboxMessage.State.DEAD, _("已停止重试")),
    (OutboxMessage.State.FAILED, _("待重试")),
]


class FailedFilterForm(FilterForm):
    state = forms.ChoiceField(label=_("状态"), choices=STATE_CHOICES, required=False)
    channel = forms.ChoiceField(
        label=_("渠道"), choices=[("", _("全部渠道")), *ChannelKind.choices], required=False
    )
    event = forms.ChoiceField(
        label=_("事件"), choices=_failed_event_choices,
        required=False,
    )  # fmt: skip

    def apply(self, messages: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        messages = messages.filter(state__in=[OutboxMessage.State.FAILED, OutboxMessage.State.DEAD])
        if not self.is_valid():
            return messages
        data = self.cleaned_data
        if data.get("state"):
            messages = messages.filter(state=data["state"])
        if data.get("channel"):
            messages = messages.filter(channel=data["channel"])
        if data.get("event"):
            messages = messages.filter(event=data["event"])
        return messages
