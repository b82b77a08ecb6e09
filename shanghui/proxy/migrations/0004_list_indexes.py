# The case list's search by applicant name reads the cases of that name, newest first, and the follow-up
# list's default view its page of open follow-ups by due time, through indexes (docs/performance.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proxy", "0003_case_stat"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["applicant_name", "-created_at"], name="proxy_case_applicant_idx"),
        ),
        migrations.AddIndex(
            model_name="followup",
            index=models.Index(
                condition=models.Q(("state__in", ["open", "answered", "appealed"])),
                fields=["due_at", "id"],
                name="proxy_followup_open_due_idx",
            ),
        ),
    ]
