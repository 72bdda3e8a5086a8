from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html

from hackathon.exports import csv_safe

from .forms import JamAdminForm, TestimonialAdminForm
from .models import Jam, Phase, Resource, SignUp, Speaker, Testimonial, Track
from .selectors import jam_list_with_counts
from .services import jam_times_log, track_delete, track_delete_refusals, track_save
from .share_cards import jam_share_card_record
from .templatetags.jam_tags import jam_time


class FitsALaptop:
    """Admin pages that fit a 1366 px screen with the navigation open, about 720 px for a
    list beside its filters: a stylesheet lets names and headings wrap where Django keeps
    them on one line, and a list filtered to one jam leaves out its jam column."""

    jam_column = "jam"  # the name of the column, or of the function, showing the jam

    class Media:
        css = {"all": ["css/admin-layout.css"]}
        js = ["js/admin-open-errors.js"]  # a collapsed part holding an error opens

    def get_list_display(self, request: HttpRequest):
        columns = super().get_list_display(request)
        if any(key.endswith("jam__id__exact") for key in request.GET):
            return [column for column in columns if getattr(column, "__name__", column) != self.jam_column]
        return columns


# Three lines for an inline's description, which a long text box made the tallest part.
SHORT_TEXT = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 3})}}


def name_and_email(user) -> str:
    """A person in one list cell: the name, and under it the email, which may break
    before its @ rather than widen the column."""
    local, _, domain = user.email.partition("@")
    return format_html('{}<span class="secondary">{}<wbr>@{}</span>', user.display_name, local, domain)


class ResourceInline(admin.StackedInline):
    # Stacked, the short fields side by side: as a table the link and the description ran
    # far past the screen's right edge.
    model = Resource
    extra = 0
    classes = ["collapse"]
    after_fieldset = "Content"
    formfield_overrides = SHORT_TEXT
    fields = ["title", ("kind", "order"), "url", "description"]


class SpeakerInline(admin.StackedInline):
    model = Speaker
    extra = 0
    classes = ["collapse"]
    after_fieldset = "Content"
    fields = [("name", "order"), "role", "url"]


class TrackFormSet(BaseInlineFormSet):
    """The jam page's tracks: the ones ticked for deletion are refused together while a
    registered check refuses them (track_delete_refusals: judges limited to them alone)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        deleted = [form.instance for form in self.forms if form.instance.pk and self._should_delete_form(form)]
        if refusals := track_delete_refusals(tracks=deleted):
            raise ValidationError(refusals)


class TrackInline(admin.StackedInline):
    # Stacked like the resources: a Markdown description beside the name ran past 1366 px.
    model = Track
    formset = TrackFormSet
    extra = 0
    classes = ["collapse"]
    after_fieldset = "Tracks"
    formfield_overrides = SHORT_TEXT
    fields = [("name", "order"), "description"]


class PhaseFilter(admin.SimpleListFilter):
    title = "phase"
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return Phase.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        filters = {
            Phase.UPCOMING: {"starts_at__gt": now},
            Phase.RUNNING: {"starts_at__lte": now, "submission_deadline__gt": now},
            Phase.FINISHED: {"judging_ends_at__lte": now},
        }
        if self.value() in filters:
            return queryset.filter(**filters[self.value()])
        if self.value() in (Phase.GRACE, Phase.JUDGING):
            # Grace periods are per jam: told apart in Python among the few jams between
            # their deadline and the end of judging.
            between = Jam.objects.filter(submission_deadline__lte=now, judging_ends_at__gt=now)
            return queryset.filter(pk__in=[jam.pk for jam in between if jam.phase_at(now) == self.value()])
        return queryset


@admin.register(Jam)
class JamAdmin(FitsALaptop, admin.ModelAdmin):
    """The jam's own fields and inlines. judging/admin.py registers a subclass that adds
    judging's inlines, actions and results page: the admin is a composition point, so the
    base app never imports the apps built on it."""

    form = JamAdminForm
    list_display = [
        "title",
        "host",
        "phase_display",
        "starts_display",
        "deadline_display",
        "signup_count",
        "signups_open",
    ]
    list_filter = [PhaseFilter, "signups_open", "host"]
    search_fields = ["title", "slug", "host", "tagline"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    inlines = [ResourceInline, SpeakerInline, TrackInline]
    readonly_fields = ["assignments_made_at", "results_published_at"]
    # The change form (templates/admin/jams/jam/change_form.html) shows each inline right
    # after the fieldset its class names in `after_fieldset`: resources and speakers under
    # Content, criteria under Judging, prizes under Results. The zone comes before the
    # times, whose help text says they are in the zone "chosen above".
    fieldsets = [
        ("Basics", {"fields": ["title", "slug", "host", "tagline", "signups_open", "max_team_size"]}),
        ("Times", {"fields": ["timezone", "starts_at", "submission_deadline", "grace_minutes", "judging_ends_at"]}),
        ("Content", {"fields": ["description", "cover_image"]}),
        ("Tracks", {"fields": ["multiple_tracks_allowed"]}),
        (
            "Judging",
            {
                "fields": [
                    "judging_mode",
                    "reviews_per_entry",
                    "extra_reviews_allowed",
                    "ranking_method",
                    "assignments_made_at",
                ]
            },
        ),
        ("Results", {"fields": ["show_ranking", "show_uncertainty", "results_published_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jam]:
        return jam_list_with_counts()

    def get_fieldsets(self, request: HttpRequest, obj: Jam | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets  # a new jam has no change to tell anyone about
        times = {"fields": [*dict(fieldsets)["Times"]["fields"], "notify_signed_up"]}
        return [(name, times if name == "Times" else options) for name, options in fieldsets]

    def save_model(self, request: HttpRequest, obj: Jam, form, change: bool) -> None:
        # The row as it was, before the form's values are saved over it (read once, by the form).
        before = form.saved_jam if change else None
        super().save_model(request, obj, form, change)
        # In the admin's transaction: a new title, host, time or zone gets a new share card.
        jam_share_card_record(jam=obj)
        if before is not None:
            notify = form.cleaned_data.get("notify_signed_up", False)
            changes = jam_times_log(before=before, jam=obj, by_user=request.user, notify=notify)
            if changes:
                told = "everyone signed up is being emailed about it" if notify else "nobody was emailed"
                messages.info(request, f"The jam page now lists the moved times; {told}.")
            elif notify:
                messages.warning(request, "No time moved, so nobody was emailed.")

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not Track:
            super().save_formset(request, form, formset, change)
            return
        # Through the services, which mark the jam's pages stale: they list the tracks.
        for track in formset.save(commit=False):
            track_save(track=track)
        for track in formset.deleted_objects:
            track_delete(track=track)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            # A collapsed inline's heading says how many it holds: "Resources (3)". The
            # inline is this request's own instance.
            inline, count = inline_formset.opts, inline_formset.formset.initial_form_count()
            inline.verbose_name_plural = f"{inline.model._meta.verbose_name_plural} ({count})"
        return inline_formsets

    @admin.display(description="phase")
    def phase_display(self, jam: Jam) -> str:
        return jam.phase.label

    @admin.display(description="start", ordering="starts_at")
    def starts_display(self, jam: Jam) -> str:
        return jam_time(jam.starts_at, jam)

    @admin.display(description="submission deadline", ordering="submission_deadline")
    def deadline_display(self, jam: Jam) -> str:
        return jam_time(jam.submission_deadline, jam)

    @admin.display(description="sign-ups", ordering="signup_count")
    def signup_count(self, jam: Jam) -> int:
        return jam.signup_count


@admin.register(SignUp)
class SignUpAdmin(FitsALaptop, admin.ModelAdmin):
    list_display = ["person", "jam", "created_at", "show_in_list"]
    list_filter = ["jam", "show_in_list"]
    search_fields = ["user__display_name", "user__email", "jam__title"]
    list_select_related = ["user", "jam"]
    raw_id_fields = ["user", "jam"]
    readonly_fields = ["created_at", "confirmation_sent_at"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    @admin.display(description="name and email", ordering="user__display_name")
    def person(self, signup: SignUp) -> str:
        return name_and_email(signup.user)

    @admin.action(description="Export selected sign-ups as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[SignUp]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="signups.csv"'
        writer = csv.writer(response)
        writer.writerow(["name", "email", "jam", "signed up at"])
        for signup in queryset.select_related("user", "jam").order_by("jam__title", "created_at"):
            writer.writerow(
                [
                    csv_safe(signup.user.display_name),
                    csv_safe(signup.user.email),
                    csv_safe(signup.jam.title),
                    signup.created_at.isoformat(),
                ]
            )
        return response


@admin.register(Testimonial)
class TestimonialAdmin(admin.ModelAdmin):
    form = TestimonialAdminForm
    list_display = ["name", "event", "shown_on", "is_published", "order"]
    list_editable = ["is_published", "order"]
    list_filter = ["is_published", "host", "jam"]
    list_select_related = ["jam"]
    search_fields = ["name", "event", "quote"]
    fields = ["name", "event", "quote", "jam", "host", "is_published", "order"]

    @admin.display(description="shown on")
    def shown_on(self, testimonial: Testimonial) -> str:
        if testimonial.jam:
            return f"{testimonial.jam.title}'s page"
        if testimonial.host:
            return f"every {testimonial.host} jam"
        return "the home page"
