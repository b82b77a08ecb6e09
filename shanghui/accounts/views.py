from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanghui.accounts.access import staff_user
from shanghui.accounts.forms import LoginForm
from shanghui.accounts.models import ApiToken, User
from shanghui.accounts.tokens import create_token, revoke_token
from shanghui.orgs.models import Membership, Organisation
from shanghui.ui.forms import BootstrapForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


# --- Personal API tokens (the REST API at /api/v1/) -------------------------------------------------

EXPIRY_CHOICES = [
    ("30", gettext_lazy("30 天")),
    ("90", gettext_lazy("90 天")),
    ("180", gettext_lazy("180 天")),
    ("365", gettext_lazy("1 年")),
    ("never", gettext_lazy("永不过期")),
]


class TokenForm(BootstrapForm):
    name = forms.CharField(
        label=_("名称"), max_length=60, help_text=_("用途，如“市民服务系统对接”"),
        error_messages={"required": _("请填写令牌名称"), "max_length": _("名称不能超过 60 个字")},
    )  # fmt: skip
    scope = forms.ChoiceField(
        label=_("权限"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("只读令牌只能查询；读写令牌可以办理办件、上传材料、发消息"),
        error_messages={"required": _("请选择权限"), "invalid_choice": _("请选择权限")},
    )
    expiry = forms.ChoiceField(
        label=_("有效期"), choices=EXPIRY_CHOICES, initial="90",
        error_messages={"required": _("请选择有效期"), "invalid_choice": _("请选择有效期")},
    )  # fmt: skip
    organisation = forms.ModelChoiceField(
        label=_("代表机构（可选）"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("不指定"),
        help_text=_("需要机构的接口用它，如代为录入办件时的代办点"),
        error_messages={"invalid_choice": _("只能选择您任职的机构")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only organisations where the user holds a role.
        held = Membership.objects.filter(user=user, organisation__is_active=True).values("organisation_id")
        field.queryset = Organisation.objects.filter(pk__in=held).order_by("path")
        self.fields["scope"].widget.attrs["class"] = "form-check-input"

    def expires_at(self) -> dt.datetime | None:
        days = self.cleaned_data["expiry"]
        return None if days == "never" else timezone.now() + dt.timedelta(days=int(days))


def token_status(token: ApiToken, now: dt.datetime) -> tuple[str, str]:
    """(label, Bootstrap colour) of a token on the list."""
    if token.revoked_at is not None:
        return gettext("已吊销"), "secondary"
    if token.expires_at is not None and token.expires_at <= now:
        return gettext("已过期"), "warning"
    return gettext("有效"), "success"


@never_cache
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's API tokens, and the form that makes one. A new token is shown once, on the page
    that answers the form; only its hash is kept."""
    user = staff_user(request)
    form = TokenForm(request.POST or None, user=user)
    created: ApiToken | None = None
    raw = ""
    if request.method == "POST" and form.is_valid():
        created, raw = create_token(
            actor=user,
            user=user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
            organisation=form.cleaned_data.get("organisation"),
            request=request,
        )
        form = TokenForm(user=user)
    now = timezone.now()
    tokens = ApiToken.objects.filter(user=user).select_related("organisation").order_by("-created_at", "-pk")
    context = {
        "form": form,
        "created": created,
        "raw_token": raw,
        "rows": [(token, *token_status(token, now)) for token in tokens],
    }
    return render(request, "accounts/tokens.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = staff_user(request)
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404(gettext("令牌不存在"))
    revoke_token(actor=user, token=token, request=request)
    messages.success(request, f"已吊销令牌“{token.name}”，使用它的系统将无法再访问")
    return redirect("accounts:tokens")
