from __future__ import annotations

import zoneinfo
from datetime import datetime

from django import forms
from django.utils import timezone

from accounts.forms import AccountCreateForm

from .models import Jam, Testimonial


class SignUpForm(forms.Form):
    show_in_list = forms.BooleanField(
        label="Show my name on the public sign-up list",
        required=False,
        initial=True,
    )


class SignUpWithAccountForm(AccountCreateForm, SignUpForm):
    """A visitor without an account makes one and signs up in the same step."""


JAM_TIME_FIELDS = ("starts_at", "submission_deadline", "judging_ends_at")


def utc_offset_label(zone: zoneinfo.ZoneInfo, when: datetime) -> str:
    """“UTC+1”, “UTC-7”, “UTC+5:30”: the zone's offset at that moment."""
    minutes = int(when.astimezone(zone).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


class JamAdminForm(forms.ModelForm):
    """The jam's dates and times are typed and shown in the jam's own time zone: the one
    chosen on this very form, so a POST reads its times in the zone it sends."""

    class Meta:
        model = Jam
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_name = self._zone_name() or "UTC"
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in JAM_TIME_FIELDS:
            if name not in self.fields:
                continue
            stored = getattr(self.instance, name, None) if self.instance.pk else None
            value = self.initial.get(name)
            if isinstance(value, datetime) and timezone.is_aware(value):
                # Naive in the jam's zone: the widget shows it as it is.
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)
            if stored:
                self.fields[
                    name
                ].help_text = f"In the jam's time zone: {zone_name}, {utc_offset_label(zone, stored)} on that date."
            else:
                self.fields[name].help_text = "In the jam's time zone, chosen above."

    def _zone_name(self) -> str | None:
        if self.is_bound:
            name = self.data.get(self.add_prefix("timezone"))
        else:
            name = self.initial.get("timezone") or self.instance.timezone
        return name if name in zoneinfo.available_timezones() else None

    def full_clean(self) -> None:
        # The typed times are read in the zone this POST chose (UTC if that is not a
        # zone: the timezone field then refuses the form anyway).
        with timezone.override(zoneinfo.ZoneInfo(self._zone_name() or "UTC")):
            super().full_clean()


class TestimonialAdminForm(forms.ModelForm):
    """The host is picked from the jams' hosts: a testimonial shows on the jams whose
    “Hosted by” is exactly this."""

    class Meta:
        model = Testimonial
        fields = "__all__"  # noqa: DJ007 - the admin's fields choose them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hosts = set(Jam.objects.exclude(host="").values_list("host", flat=True).distinct())
        if self.instance.host:
            hosts.add(self.instance.host)  # kept even if no jam has it any more
        choices = [("", "No host (a jam above, or the home page)")] + [(host, host) for host in sorted(hosts)]
        self.fields["host"].widget = forms.Select(choices=choices)
