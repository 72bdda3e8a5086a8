from django.db import migrations, models
from django.db.models import F


def existing_judges_accepted(apps, schema_editor):
    """Judges added before invitations had to be accepted were told they judge: they keep
    the role. Their accounts still need a verified address to reach the workspace."""
    Judge = apps.get_model("judging", "Judge")
    Judge.objects.filter(accepted_at__isnull=True).update(accepted_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("judging", "0003_results_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="judge",
            name="accepted_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="accepted"),
        ),
        migrations.RunPython(existing_judges_accepted, migrations.RunPython.noop),
    ]
