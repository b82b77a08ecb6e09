from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "shanghui.conversations"
    verbose_name = "会话"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shanghui.conversations import signals

        # Live sockets keep their viewer's access between events: changes of people are announced.
        signals.connect()
