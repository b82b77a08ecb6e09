from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shanghui.accounts"
    label = "accounts"
    verbose_name = "账号"

    def ready(self) -> None:
        from shanghui.accounts import signals  # noqa: F401  (connects the login audit receivers)
