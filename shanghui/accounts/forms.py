from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名或手机号"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("用户名（或手机号）或密码不正确。连续多次输错，账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }
