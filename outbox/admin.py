from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from .models import OutboxItem
from .services import outbox_retry


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    """What the workers owe people and what they did: each email and file job, its state,
    tries and last error. Read-only but for "retry"."""

    list_display = ["created_at", "kind", "recipients_short", "jam", "state", "tries", "error_short", "done_at"]
    list_filter = ["state", "kind", "is_email", "jam"]
    list_select_related = ["jam"]
    search_fields = ["recipients", "kind"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [f.name for f in OutboxItem._meta.fields]

    @admin.display(description="for")
    def recipients_short(self, item: OutboxItem) -> str:
        people = item.recipients.split()
        if len(people) > 2:
            return f"{', '.join(people[:2])} and {len(people) - 2} more"
        return ", ".join(people) or "—"

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
