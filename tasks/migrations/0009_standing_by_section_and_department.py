"""The kept standing names each measure's section and the day of its year's first "done", and is
kept once per department too (``DepartmentStanding``): the dashboard counts sections and
departments by index, and the overdue trend reads the first "done" from it (issue #25).

The kept rows are emptied first and worked out again by 0010 with the app's own code."""

import django.db.models.deletion
from django.db import migrations, models


def empty_kept_standing(apps, schema_editor):
    for name in ("OpenMilestone", "MeasureStanding"):
        apps.get_model("tasks", name).objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("departments", "0001_initial"),
        ("tasks", "0008_standing"),
    ]

    operations = [
        migrations.RunPython(empty_kept_standing, migrations.RunPython.noop),
        # the keys lose the index of their own, which the unique and composite indexes begin with
        migrations.AlterField(
            model_name="measurestanding",
            name="measure",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="standings", to="tasks.measure"),
        ),
        migrations.AlterField(
            model_name="measurestanding",
            name="plan",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.plan"),
        ),
        migrations.AlterField(
            model_name="openmilestone",
            name="measure",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="open_milestones", to="tasks.measure"),
        ),
        migrations.AlterField(
            model_name="openmilestone",
            name="plan",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.plan"),
        ),
        migrations.AddField(
            model_name="measurestanding",
            name="section",
            field=models.ForeignKey(db_index=False, default=0, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.section"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="openmilestone",
            name="section",
            field=models.ForeignKey(db_index=False, default=0, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.section"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="measurestanding",
            name="first_done",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="standingclock",
            name="history_tick",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="measurestanding",
            index=models.Index(fields=["plan", "year", "section", "status", "review"], name="standing_plan_section"),
        ),
        migrations.AddIndex(
            model_name="measurestanding",
            index=models.Index(condition=models.Q(review="pending"), fields=["measure"], name="standing_waiting_review"),
        ),
        migrations.AddIndex(
            model_name="measurestanding",
            index=models.Index(
                condition=models.Q(first_done__isnull=False, status__in=["not_started", "in_progress", "ongoing"]),
                fields=["plan", "measure", "year"], name="standing_taken_back",
            ),
        ),
        migrations.AddIndex(
            model_name="openmilestone",
            index=models.Index(fields=["plan", "date", "year", "section", "measure"], name="open_milestone_plan_section"),
        ),
        migrations.AddIndex(
            model_name="openmilestone",
            index=models.Index(fields=["plan", "measure", "year", "date"], name="open_milestone_plan_measure"),
        ),
        migrations.CreateModel(
            name="DepartmentStanding",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField()),
                ("status", models.CharField(choices=[("not_started", "未开始"), ("in_progress", "进行中"), ("done", "已完成"), ("ongoing", "持续推进")], max_length=20)),
                ("review", models.CharField(blank=True, choices=[("", "无需审核"), ("pending", "待审核"), ("accepted", "已通过"), ("returned", "已退回")], max_length=20)),
                ("department", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="departments.department")),
                ("measure", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.measure")),
                ("plan", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tasks.plan")),
            ],
            options={
                "indexes": [models.Index(fields=["plan", "year", "department", "status", "review"], name="department_standing_plan")],
                "constraints": [models.UniqueConstraint(fields=("measure", "year", "department"), name="department_standing_measure")],
            },
        ),
    ]
