from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from hackathon.exports import csv_safe
from judging.admin import CriterionInline, PrizeInline, results_view
from judging.services import AlreadyPublished, assignments_make, results_publish

from .models import Jam, Phase, Resource, SignUp, Speaker, Testimonial
from .selectors import jam_list_with_counts


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
            Phase.JUDGING: {"submission_deadline__lte": now, "judging_ends_at__gt": now},
            Phase.FINISHED: {"judging_ends_at__lte": now},
        }
        return queryset.filter(**filters[self.value()]) if self.value() in filters else queryset


@admin.register(Jam)
class JamAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "host",
        "phase_display",
        "starts_at",
        "submission_deadline",
        "signup_count",
        "signups_open",
    ]
    list_filter = [PhaseFilter, "signups_open", "host"]
    search_fields = ["title", "slug", "host", "tagline"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    inlines = [ResourceInline, SpeakerInline, CriterionInline, PrizeInline]
    actions = ["assign_judges", "publish_results"]
    readonly_fields = ["assignments_made_at", "results_published_at", "results_link"]
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
                    "results_link",
                ]
            },
        ),
    ]

    def get_urls(self):
        extra = [
            path(
                "<int:jam_id>/results/",
                self.admin_site.admin_view(lambda request, jam_id: results_view(self, request, jam_id)),
                name="jams_jam_results",
            )
        ]
        return extra + super().get_urls()

    @admin.display(description="results")
    def results_link(self, jam: Jam) -> str:
        if not jam.pk:
            return "—"
        return format_html('<a href="{}">See the results table</a>', reverse("admin:jams_jam_results", args=[jam.pk]))

    @admin.action(description="Assign judges to the entries of the selected jams")
    def assign_judges(self, request: HttpRequest, queryset: QuerySet[Jam]) -> None:
        for jam in queryset:
            added = assignments_make(jam=jam)
            self.message_user(request, f"{jam.title}: {added} new assignments.", messages.SUCCESS)

    @admin.action(description="Publish the results of the selected jams (emails every participant)")
    def publish_results(self, request: HttpRequest, queryset: QuerySet[Jam]) -> None:
        for jam in queryset:
            try:
                results_publish(jam=jam)
            except AlreadyPublished as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"{jam.title}: results published; participants are being emailed.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Jam]:
        return jam_list_with_counts()

    @admin.display(description="phase")
    def phase_display(self, jam: Jam) -> str:
        return jam.phase.label

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
    list_display = ["name", "event", "is_published", "order"]
    list_editable = ["is_published", "order"]
    search_fields = ["name", "event", "quote"]
