"""Keys an import writes hundreds of thousands of times lose what costs without serving (issue #16):
the single-column indexes of keys that a unique constraint's index already begins with (a measure's
units, deadlines and progress, a report's history), and the database's check of the kept tables'
keys (``tasks.models.KEPT_KEY``). SQLite remakes the tables, rows kept."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('departments', '0001_initial'),
        ('tasks', '0010_rebuild_standing'),
    ]

    operations = [
        migrations.AlterField(
            model_name='deadline',
            name='measure',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='deadlines', to='tasks.measure', verbose_name='工作措施'),
        ),
        migrations.AlterField(
            model_name='departmentstanding',
            name='department',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='departments.department'),
        ),
        migrations.AlterField(
            model_name='departmentstanding',
            name='measure',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.measure'),
        ),
        migrations.AlterField(
            model_name='departmentstanding',
            name='plan',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.plan'),
        ),
        migrations.AlterField(
            model_name='measurestanding',
            name='measure',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='standings', to='tasks.measure'),
        ),
        migrations.AlterField(
            model_name='measurestanding',
            name='plan',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.plan'),
        ),
        migrations.AlterField(
            model_name='measurestanding',
            name='section',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.section'),
        ),
        migrations.AlterField(
            model_name='measureunit',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='measure_units', to='departments.department', verbose_name='部门'),
        ),
        migrations.AlterField(
            model_name='measureunit',
            name='measure',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='units', to='tasks.measure', verbose_name='工作措施'),
        ),
        migrations.AlterField(
            model_name='openmilestone',
            name='measure',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='open_milestones', to='tasks.measure'),
        ),
        migrations.AlterField(
            model_name='openmilestone',
            name='milestone',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='tasks.milestone'),
        ),
        migrations.AlterField(
            model_name='openmilestone',
            name='plan',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.plan'),
        ),
        migrations.AlterField(
            model_name='openmilestone',
            name='section',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.section'),
        ),
        migrations.AlterField(
            model_name='progress',
            name='measure',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='progress', to='tasks.measure', verbose_name='工作措施'),
        ),
        migrations.AlterField(
            model_name='progressentry',
            name='progress',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='tasks.progress', verbose_name='完成情况'),
        ),
    ]
