"""The kept standing of the measures already stored, worked out with the app's own code (the
same that ``manage.py rebuild_standing`` runs), in a migration of its own so that its rows are
written after the tables have their final columns."""

from django.db import migrations


def work_out_standing(apps, schema_editor):
    from tasks.standing.kept import rebuild_standing

    rebuild_standing()
    if schema_editor.connection.vendor == "postgresql":  # the planner's statistics of the new rows
        schema_editor.execute("ANALYZE tasks_measurestanding, tasks_openmilestone, tasks_departmentstanding")


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0009_standing_by_section_and_department"),
    ]

    operations = [
        migrations.RunPython(work_out_standing, migrations.RunPython.noop),
    ]
