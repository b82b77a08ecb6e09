"""SendWindow.expires_at, so rows that hold nothing can be pruned. Existing rows expire a day (the
longest provider limit, sms.py) after their last send, or when their block ends if that is later."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def fill_expires_at(apps, schema_editor):
    SendWindow = apps.get_model("notify", "SendWindow")
    now = timezone.now()
    for window in SendWindow.objects.all().iterator():
        moments = [dt.datetime.fromisoformat(s) + dt.timedelta(days=1) for s in window.sent_times]
        if window.blocked_until is not None:
            moments.append(window.blocked_until)
        window.expires_at = max(moments, default=now)
        window.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_channels_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="sendwindow",
            name="expires_at",
            field=models.DateTimeField(db_index=True, null=True),
        ),
        migrations.RunPython(fill_expires_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sendwindow",
            name="expires_at",
            field=models.DateTimeField(db_index=True),
        ),
    ]
