"""The kept counts (``StandingCount``: the kept rows counted per plan, year, section or department,
status and review, issue #25), the clock of the open milestones (``StandingClock.open_tick``), and the kept standing of the measures already stored worked out
again with them, with the app's own code (what ``manage.py rebuild_standing`` runs): the last
migration of the kept tables does this, after they have their final columns."""

import django.db.models.deletion
from django.db import migrations, models


def work_out_standing(apps, schema_editor):
    from tasks.standing.kept import rebuild_standing

    rebuild_standing()
    if schema_editor.connection.vendor == "postgresql":  # the planner's statistics of the new rows
        schema_editor.execute(
            "ANALYZE tasks_measurestanding, tasks_openmilestone, tasks_departmentstanding, tasks_standingcount"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0011_keys_without_needless_index_or_check'),
    ]

    operations = [
        migrations.CreateModel(
            name='StandingCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('by', models.CharField(choices=[('section', 'Section'), ('department', 'Department')], max_length=10)),
                ('group', models.BigIntegerField()),
                ('status', models.CharField(choices=[('not_started', '未开始'), ('in_progress', '进行中'), ('done', '已完成'), ('ongoing', '持续推进')], max_length=20)),
                ('review', models.CharField(blank=True, choices=[('', '无需审核'), ('pending', '待审核'), ('accepted', '已通过'), ('returned', '已退回')], max_length=20)),
                ('n', models.IntegerField()),
                ('plan', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.plan')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('plan', 'year', 'by', 'group', 'status', 'review'), name='standing_count_key')],
            },
        ),
        migrations.AddField(
            model_name='standingclock',
            name='open_tick',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(work_out_standing, migrations.RunPython.noop),
    ]
