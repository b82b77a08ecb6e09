from django.db import migrations


def seed(apps, schema_editor):
    # The historical model cannot call services; the same rules as calendar.seed_from_package.
    import chinese_calendar

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    rows = [
        CalendarDay(date=day, kind="holiday", name=str(name), source="package")
        for day, name in chinese_calendar.holidays.items()
        if day.weekday() < 5
    ] + [
        CalendarDay(date=day, kind="workday", name=str(name), source="package")
        for day, name in chinese_calendar.workdays.items()
        if day.weekday() >= 5
    ]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
