"""Once the kept standing of the measures already stored, worked out here with the app's own code;
that code now also writes the kept counts, whose table comes later, so the work is done by
0012_standing_counts instead (databases that ran it here get it again there)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("tasks", "0009_standing_by_section_and_department"),
    ]

    operations = []
