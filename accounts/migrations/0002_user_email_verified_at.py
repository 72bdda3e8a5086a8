from django.db import migrations, models


class Migration(migrations.Migration):
    # Existing accounts start unverified: nothing they did proved their address (README,
    # "Verified email addresses"). `createsuperuser` and the `email_verify` command mark one.
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="email verified"),
        ),
    ]
