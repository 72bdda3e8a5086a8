from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import User
from hackathon.exports import csv_safe
from hackathon.text import is_id
from jams.admin import FitsALaptop
from jams.forms import JamZoneTimesForm
from jams.models import Track
from jams.times import format_jam_time

from .models import Entry, Team, TeamMembership
from .services import entry_thumbnails_follow_state, entry_thumbnails_remake, entry_tracks_check
from .share_cards import entry_share_card_record
from .thumbnails import thumbnail_url
from .uploads import display_name

EMPTY = "—"


def _members_prefetch(lookup: str) -> Prefetch:
    members = TeamMembership.objects.select_related("user").order_by("joined_at", "id")
    return Prefetch(lookup, queryset=members)


# Teams --------------------------------------------------------------------------------


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["jam", "name", "created_by"]

    def clean(self):
        # With the jam read-only (on change) the model's "unique name per jam" constraint is
        # skipped by form validation, so it is checked here instead of failing on save.
        cleaned = super().clean()
        jam = cleaned.get("jam") or (self.instance.jam if self.instance.jam_id else None)
        name = (cleaned.get("name") or "").strip()
        taken = Team.objects.filter(jam=jam, name__iexact=name).exclude(pk=self.instance.pk)
        if jam and name and taken.exists():
            self.add_error("name", f"A team called “{name}” already exists in {jam.title}.")
        return cleaned


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        """One team per person per jam: refuse, with a message, what the database would refuse."""
        super().clean()
        jam_id = self.instance.jam_id
        seen = set()
        for form in self.forms:
            user = getattr(form, "cleaned_data", {}).get("user")
            if user is None or self._should_delete_form(form):
                continue
            if user.pk in seen:
                form.add_error("user", f"{user} is listed twice.")
            seen.add(user.pk)
            elsewhere = TeamMembership.objects.filter(jam_id=jam_id, user=user).exclude(team_id=self.instance.pk)
            other = elsewhere.select_related("team").first() if jam_id else None
            if other:
                form.add_error("user", f"{user} is already in the team “{other.team.name}” for this jam.")


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    formset = MembershipFormSet
    extra = 0
    fields = ["user", "joined_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(FitsALaptop, admin.ModelAdmin):
    form = TeamAdminForm
    fields = ["jam", "name", "created_by", "invite_token", "created_at"]
    list_display = ["name", "jam", "member_count", "created_at"]
    list_filter = ["jam"]
    search_fields = ["name", "memberships__user__display_name", "memberships__user__email"]
    list_select_related = ["jam"]
    raw_id_fields = ["created_by"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    def get_readonly_fields(self, request: HttpRequest, obj: Team | None = None) -> list[str]:
        # Moving a team to another jam would leave its memberships and entry in the old one.
        fixed = ["invite_token", "created_at"]
        return ["jam", *fixed] if obj else fixed

    def save_model(self, request: HttpRequest, obj: Team, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        entry = Entry.objects.filter(team=obj).first()
        if entry is not None:
            entry_share_card_record(entry=entry)  # its card names the team

    @admin.display(description="members", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not TeamMembership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership.delete()
        for membership in memberships:
            # The jam is the team's, never picked by hand.
            membership.jam = form.instance.jam
            membership.save()
        formset.save_m2m()
        return None


# Entries ------------------------------------------------------------------------------


def _file_link(entry: Entry, field: str) -> str:
    file = getattr(entry, field)
    if not entry.pk or not file:
        return EMPTY
    url = reverse("submissions:entry_file", kwargs={"slug": entry.jam.slug, "pk": entry.pk, "field": field})
    return format_html('<a href="{}">{}</a>', url, display_name(file.name))


def _members(entry: Entry) -> list[User]:
    return [membership.user for membership in entry.team.memberships.all()]


CSV_HEADER = [
    "id", "jam", "team", "title", "authors", "state", "late", "submitted at",
    "video link", "repository link", "members", "member emails",
]  # fmt: skip


def _csv_row(entry: Entry) -> list[str]:
    text = [entry.jam.title, entry.team.name, entry.title, entry.authors]
    links = [entry.video_url, entry.repository_url]
    people = _members(entry)
    members = ["; ".join(p.display_name for p in people), "; ".join(p.email for p in people)]
    return [
        str(entry.pk),
        *map(csv_safe, text),
        entry.get_state_display(),
        "yes" if entry.is_late else "no",
        entry.submitted_at.isoformat() if entry.submitted_at else "",
        *map(csv_safe, links),
        *map(csv_safe, members),
    ]


class EntryAdminForm(JamZoneTimesForm):
    """The submission time is the jam's: typed and shown in the zone of the team's jam
    (of the team this POST names, which sets the entry's jam)."""

    jam_time_fields = ("submitted_at",)
    zone_unknown_help = "In the time zone of the team's jam."

    class Meta:
        model = Entry
        fields = "__all__"  # the admin's fieldsets choose the fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tracks" in self.fields:
            # The tracks of the entry's jam; a new entry gets its tracks once it is saved.
            jam_id = self.instance.jam_id if self.instance.pk else None
            self.fields["tracks"].queryset = Track.objects.filter(jam_id=jam_id)
            self.fields["tracks"].widget = forms.CheckboxSelectMultiple(choices=self.fields["tracks"].choices)

    def clean(self):
        cleaned = super().clean()
        tracks = list(cleaned.get("tracks") or [])
        team = cleaned.get("team")
        if team and "tracks" in cleaned:
            try:
                entry_tracks_check(jam=team.jam, tracks=tracks, entry=self.instance)
            except ValidationError as error:
                self.add_error("tracks", error.message_dict["tracks"])
        return cleaned

    def jam_zone_name(self) -> str | None:
        if not self.is_bound:
            return self.instance.jam.timezone if self.instance.jam_id else None
        team_id = str(self.data.get(self.add_prefix("team"), ""))
        if not is_id(team_id):
            return None  # the team field refuses it
        zone = Team.objects.filter(pk=team_id).values_list("jam__timezone", flat=True).first()
        return self._known_zone(zone)


class TrackFilter(admin.SimpleListFilter):
    """Entries of one track: the chosen jam's tracks, or every jam's named with their jam."""

    title = "track"
    parameter_name = "track"

    def lookups(self, request, model_admin):
        jam_id = request.GET.get("jam__id__exact", "")
        tracks = Track.objects.select_related("jam").order_by("jam__title", "order", "id")
        if is_id(jam_id):
            return [(str(track.pk), track.name) for track in tracks.filter(jam_id=jam_id)]
        return [(str(track.pk), f"{track.jam.title}: {track.name}") for track in tracks]

    def queryset(self, request, queryset):
        if is_id(self.value()):
            return queryset.filter(tracks__id=self.value())
        return queryset


@admin.register(Entry)
class EntryAdmin(FitsALaptop, admin.ModelAdmin):
    form = EntryAdminForm
    # The team under the title, lateness with the state, the last change on the entry's
    # page: the list fits beside its filters.
    list_display = ["thumbnail", "title_and_team", "jam", "state_display", "submitted_display"]
    list_display_links = ["thumbnail", "title_and_team"]
    list_filter = ["jam", TrackFilter, "state", "is_late"]
    search_fields = ["title", "abstract", "authors", "team__name", "team__memberships__user__email"]
    list_select_related = ["team", "jam"]
    raw_id_fields = ["team"]
    date_hierarchy = "submitted_at"
    actions = ["export_csv", "remake_thumbnails"]
    readonly_fields = [
        "jam", "members", "slides_link", "image_link", "thumbnail_preview", "thumbnails_of",
        "version", "notified_version", "created_at", "updated_at", "updated_by",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["team", "jam", "members", "title", "abstract", "authors", "tracks", "table"]}),
        ("Files", {"fields": ["slides_link", "image_link", "thumbnail_preview", "thumbnails_of"]}),
        ("Links", {"fields": ["video_url", "repository_url"]}),
        ("State", {"fields": ["state", "is_late", "submitted_at", "version", "notified_version"]}),
        ("Changes", {"fields": ["created_at", "updated_at", "updated_by"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Entry]:
        entries = super().get_queryset(request).select_related("jam", "team", "updated_by")
        return entries.prefetch_related(_members_prefetch("team__memberships"))

    def save_model(self, request: HttpRequest, obj: Entry, form, change: bool) -> None:
        # An entry's jam is its team's; a new version makes a participant's open form stale
        # instead of letting it overwrite the organizer's change.
        obj.jam_id = obj.team.jam_id
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        if change and "state" in form.changed_data:
            entry_thumbnails_follow_state(entry_id=obj.pk)
        entry_share_card_record(entry=obj)  # a new title, or a draft again: the card follows

    @admin.display(description="title and team", ordering="title")
    def title_and_team(self, entry: Entry) -> str:
        return format_html('{}<span class="secondary">{}</span>', entry.title or EMPTY, entry.team.name)

    @admin.display(description="state", ordering="state")
    def state_display(self, entry: Entry) -> str:
        return f"{entry.get_state_display()}, late" if entry.is_late else entry.get_state_display()

    @admin.display(description="submitted", ordering="submitted_at")
    def submitted_display(self, entry: Entry) -> str:
        return format_jam_time(entry.submitted_at, entry.jam) if entry.submitted_at else EMPTY

    @admin.display(description="image")
    def thumbnail(self, entry: Entry) -> str:
        if not entry.thumbnails_ready:
            return EMPTY
        return format_html('<img src="{}" alt="" width="80" height="45">', thumbnail_url(entry.thumbnail_small.name))

    @admin.display(description="thumbnail")
    def thumbnail_preview(self, entry: Entry) -> str:
        if entry.thumbnails_ready:
            src = thumbnail_url(entry.thumbnail_card.name)
            return format_html('<img src="{}" alt="" width="320" height="180">', src)
        return "Not made yet: use the “Remake thumbnails” action." if entry.image else EMPTY

    @admin.display(description="slides")
    def slides_link(self, entry: Entry) -> str:
        return _file_link(entry, "slides")

    @admin.display(description="project image")
    def image_link(self, entry: Entry) -> str:
        return _file_link(entry, "image")

    @admin.display(description="team members")
    def members(self, entry: Entry) -> str:
        if not entry.pk:
            return EMPTY
        # Plain text: the admin escapes it and turns the line breaks into <br>.
        return "\n".join(f"{person.display_name} <{person.email}>" for person in _members(entry))

    @admin.action(description="Export selected entries as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Entry]) -> HttpResponse:
        entries = (
            queryset.select_related("jam", "team")
            .prefetch_related(None)
            .prefetch_related(_members_prefetch("team__memberships"))
            .order_by("jam__title", "team__name", "pk")
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="entries.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_HEADER)
        writer.writerows(_csv_row(entry) for entry in entries)
        return response

    @admin.action(description="Remake thumbnails")
    def remake_thumbnails(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        ids = entry_thumbnails_remake(entry_ids=list(queryset.prefetch_related(None).values_list("pk", flat=True)))
        if not ids:
            self.message_user(request, "None of the selected entries has a project image.", messages.WARNING)
            return
        noun = "entry" if len(ids) == 1 else "entries"
        self.message_user(request, f"New thumbnails are being made for {len(ids)} {noun}.", messages.SUCCESS)
