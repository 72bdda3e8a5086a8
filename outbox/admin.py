from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import OutboxItem
from .selectors import failed_recently_q
from .services import outbox_retry


class FailedRecentlyFilter(admin.SimpleListFilter):
    """The admin index's "failed in the last 24 h" links here (outbox/templatetags)."""

    title = "failed"
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [("24h", "In the last 24 hours, not done since")]

    def queryset(self, request, queryset):
        if self.value() == "24h":
            return queryset.filter(failed_recently_q())
        return queryset


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    """What the workers owe people and what they did: each email and file job, its state,
    tries and last error. Read-only but for "retry"."""

    # Five columns beside the filters fit a 1366 px screen (tests/e2e/test_admin_layout.py):
    # what it is and for whom in one cell, its state with tries and time in another.
    list_display = ["created_at", "what", "jam", "status", "error_short"]
    list_filter = ["state", FailedRecentlyFilter, "kind", "is_email", "jam"]
    list_select_related = ["jam"]
    search_fields = ["recipients", "kind"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in OutboxItem._meta.fields]

    class Media:
        css = {"all": ["css/admin-layout.css"]}

    @admin.display(description="what, for whom", ordering="kind")
    def what(self, item: OutboxItem) -> str:
        people = item.recipients.split()
        if len(people) > 2:
            people = [*people[:2], f"and {len(people) - 2} more"]
        return format_html('{}<span class="secondary">{}</span>', item.kind, ", ".join(people) or "—")

    @admin.display(description="state", ordering="state")
    def status(self, item: OutboxItem) -> str:
        tries = f"{item.tries} tr{'y' if item.tries == 1 else 'ies'}"
        # "Sat 14 Mar 2026, 17:05 UTC": the project's DATETIME_FORMAT (hackathon/formats) ends
        # with the zone, and done_at comes from the database in UTC. (jams.times.format_utc
        # says the same, but the outbox sits below jams and may not import it.)
        when = formats.date_format(item.done_at, "DATETIME_FORMAT") if item.done_at else ""
        return format_html(
            '{}<span class="secondary">{}</span>', item.get_state_display(), " · ".join(filter(None, [tries, when]))
        )

    @admin.display(description="last error")
    def error_short(self, item: OutboxItem) -> str:
        return Truncator(item.last_error).chars(80) or "—"

    @admin.action(description="Retry the selected items now (failed or given up)")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> None:
        count = outbox_retry(item_ids=list(queryset.values_list("pk", flat=True)))
        messages.success(request, f"{count} item{'s' if count != 1 else ''} queued again.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
