from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "shanghui.conversations"
    verbose_name = "会话"
    default_auto_field = "django.db.models.BigAutoField"
