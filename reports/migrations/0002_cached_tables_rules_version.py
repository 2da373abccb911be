from django.db import migrations, models


class Migration(migrations.Migration):
    """Cached tables carry the counting rules they were counted by.

    Rows cached before have no rules version: they are stale and are counted again on first read.
    """

    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cachedtables",
            name="rules_version",
            field=models.CharField(default="", max_length=200, verbose_name="数え方の版"),
            preserve_default=False,
        ),
    ]
