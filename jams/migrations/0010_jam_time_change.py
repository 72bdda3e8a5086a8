import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jams", "0009_jam_judging_mode"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="JamTimeChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "field",
                    models.CharField(
                        choices=[
                            ("starts_at", "start"),
                            ("submission_deadline", "submission deadline"),
                            ("submissions_close_at", "end of late submissions"),
                            ("judging_ends_at", "end of judging"),
                        ],
                        max_length=30,
                    ),
                ),
                ("old_value", models.DateTimeField(verbose_name="from")),
                ("new_value", models.DateTimeField(verbose_name="to")),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "jam",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="time_changes", to="jams.jam"
                    ),
                ),
            ],
            options={
                "ordering": ["-changed_at", "-id"],
                "indexes": [models.Index(fields=["jam", "-changed_at"], name="jam_time_change_latest")],
            },
        ),
    ]
