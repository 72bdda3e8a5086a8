from __future__ import annotations

import csv

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from hackathon.exports import csv_safe

from .forms import JamAdminForm, TestimonialAdminForm
from .models import Jam, Phase, Resource, SignUp, Speaker, Testimonial
from .selectors import jam_list_with_counts
from .templatetags.jam_tags import jam_time


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    fields = ["order", "title", "kind", "url", "description"]


class SpeakerInline(admin.TabularInline):
    model = Speaker
    extra = 0
    fields = ["order", "name", "role", "url"]


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
class JamAdmin(admin.ModelAdmin):
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
    inlines = [ResourceInline, SpeakerInline]
    readonly_fields = ["assignments_made_at", "results_published_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "tagline", "host", "description", "cover_image"]}),
        ("Dates", {"fields": ["timezone", "starts_at", "submission_deadline", "judging_ends_at"]}),
        ("Participation", {"fields": ["signups_open", "max_team_size", "grace_minutes"]}),
        (
            "Judging",
            {
                "fields": [
                    "reviews_per_entry",
                    "ranking_method",
                    "show_ranking",
                    "show_uncertainty",
                    "assignments_made_at",
                    "results_published_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jam]:
        return jam_list_with_counts()

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
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["user_name", "user_email", "jam", "created_at", "show_in_list", "confirmation_sent_at"]
    list_filter = ["jam", "show_in_list"]
    search_fields = ["user__display_name", "user__email", "jam__title"]
    list_select_related = ["user", "jam"]
    raw_id_fields = ["user", "jam"]
    readonly_fields = ["created_at", "confirmation_sent_at"]
    date_hierarchy = "created_at"
    actions = ["export_csv"]

    @admin.display(description="name", ordering="user__display_name")
    def user_name(self, signup: SignUp) -> str:
        return signup.user.display_name

    @admin.display(description="email", ordering="user__email")
    def user_email(self, signup: SignUp) -> str:
        return signup.user.email

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
