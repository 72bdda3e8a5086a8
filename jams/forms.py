from __future__ import annotations

import zoneinfo
from datetime import datetime

from django import forms
from django.db.models import Count
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.forms import AccountCreateForm

from .models import Jam, Testimonial, Track
from .times import format_jam_time, utc_offset_label


class SignUpForm(forms.Form):
    show_in_list = forms.BooleanField(
        label="Show my name on the public sign-up list",
        required=False,
        initial=True,
    )


class SignUpWithAccountForm(AccountCreateForm, SignUpForm):
    """A visitor without an account makes one and signs up in the same step."""


JAM_TIME_FIELDS = ("starts_at", "submission_deadline", "judging_ends_at")


class JamZoneTimesForm(forms.ModelForm):
    """An admin form whose dates and times belong to a jam: typed and shown in the jam's
    own zone, each labelled with it and its UTC offset on that date. A subclass names the
    fields and says which zone a POST's times are in (`jam_zone_name`); until it is
    known they are read in UTC and the form says where the zone comes from."""

    jam_time_fields: tuple[str, ...] = ()
    zone_unknown_help = "In the jam's time zone."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_name = self.jam_zone_name()
        zone = zoneinfo.ZoneInfo(zone_name or "UTC")
        for name in self.jam_time_fields:
            if name not in self.fields:
                continue
            value = self.initial.get(name)
            if isinstance(value, datetime) and timezone.is_aware(value):
                # Naive in the jam's zone: the widget shows it as it is.
                self.initial[name] = timezone.localtime(value, zone).replace(tzinfo=None)
            stored = getattr(self.instance, name, None) if self.instance.pk else None
            self.fields[name].help_text = self._zone_help(zone_name, stored)

    def jam_zone_name(self) -> str | None:
        raise NotImplementedError

    def _zone_help(self, zone_name: str | None, stored: datetime | None) -> str:
        if not (zone_name and self.instance.pk):
            return self.zone_unknown_help
        if stored:
            offset = utc_offset_label(zoneinfo.ZoneInfo(zone_name), stored)
            return f"In the jam's time zone: {zone_name}, {offset} on that date."
        return f"In the jam's time zone: {zone_name}."

    @staticmethod
    def _known_zone(name: str | None) -> str | None:
        return name if name in zoneinfo.available_timezones() else None

    def full_clean(self) -> None:
        # The typed times are read in the jam's zone (UTC if it is not known: the field
        # naming the jam then refuses the form anyway).
        with timezone.override(zoneinfo.ZoneInfo(self.jam_zone_name() or "UTC")):
            super().full_clean()


class JamAdminForm(JamZoneTimesForm):
    """The jam's own times, in the zone chosen on this very form: a POST reads its times
    in the zone it sends."""

    jam_time_fields = JAM_TIME_FIELDS
    zone_unknown_help = "In the jam's time zone, chosen above."

    # Not a field of the jam: what the save does once a time moved (jams.services.jam_times_log).
    notify_signed_up = forms.BooleanField(
        label="Email everyone signed up about this change",
        required=False,
        help_text=(
            "Only when you change the start, the deadline, the grace period or the end of judging: "
            "everyone signed up gets an email with the old and new times. Either way the change is "
            "listed on the jam page and in its announcements feed."
        ),
    )

    class Meta:
        model = Jam
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose the fields

    @cached_property
    def saved_jam(self) -> Jam | None:
        """The jam's row as saved before this form, read once: for the checks here and for
        the admin's save to tell which times moved (jams.admin). None for a new jam.
        First read while cleaning, before the form's values go onto the instance."""
        return Jam.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None

    def clean_judging_mode(self) -> str:
        """The mode can change only before judging opens (when submissions close, by the
        times saved): after, judges may have scored or compared under the old one."""
        mode = self.cleaned_data["judging_mode"]
        saved = self.saved_jam
        if saved and mode != saved.judging_mode and timezone.now() >= saved.submissions_close_at:
            raise forms.ValidationError(
                f"Judging opened on {format_jam_time(saved.submissions_close_at, saved)}, when submissions closed, "
                f"so the judging mode can't change any more: it stays “{saved.get_judging_mode_display()}”."
            )
        return mode

    def clean_multiple_tracks_allowed(self) -> bool:
        """Refuse "one track only" while entries are in several: which would they keep?"""
        allowed = self.cleaned_data["multiple_tracks_allowed"]
        if allowed or not self.instance.pk:
            return allowed
        # Through the tracks' side of the entries' link: jams doesn't import submissions.
        links = Track.entries.through.objects.filter(track__jam_id=self.instance.pk)
        several = links.values("entry_id").annotate(count=Count("id")).filter(count__gt=1).count()
        if several:
            raise forms.ValidationError(
                f"{several} {'entry is' if several == 1 else 'entries are'} in several tracks: move "
                f"{'it' if several == 1 else 'them'} to one track each (on the entries' admin pages) first."
            )
        return allowed

    def jam_zone_name(self) -> str | None:
        if self.is_bound:
            return self._known_zone(self.data.get(self.add_prefix("timezone")))
        return self._known_zone(self.initial.get("timezone") or self.instance.timezone)


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
