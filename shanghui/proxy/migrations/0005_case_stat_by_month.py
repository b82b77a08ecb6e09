from django.db import migrations


def restart_summaries(apps, schema_editor):
    # Every figure of the summaries is now kept per month of creation (items, departments, points,
    # ratings and follow-ups were totals): the old rows cannot be split. Until
    # `shanghui rebuild_case_stats` runs, the statistics page computes from the cases directly.
    CaseStat = apps.get_model("proxy", "CaseStat")
    CaseStat.objects.all().delete()
    if apps.get_model("proxy", "Case").objects.exists():
        CaseStat.objects.create(viewer_id=-1, via_department=False, key="stale", n=1)


class Migration(migrations.Migration):
    dependencies = [
        ("proxy", "0004_list_indexes"),
    ]

    operations = [
        migrations.RunPython(restart_summaries, migrations.RunPython.noop),
    ]
