"""The organizers' announcements: write a message to an audience of one jam, preview it
(how many people, and the email as the first of them gets it), then send it. A sent
mailing is read-only; its emails are outbox rows (the outbox admin lists and retries them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from jams.admin import FitsALaptop
from jams.times import format_utc

from .emails import mailing_render
from .models import Mailing
from .selectors import ANNOUNCEMENT_KIND, audience_users, mailing_outbox_states
from .services import AlreadySent, mailing_send, placeholders_check


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ["jam", "audience", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def clean(self):
        data = super().clean()
        try:
            placeholders_check(subject=data.get("subject", ""), body=data.get("body", ""))
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, problems)
        return data


@admin.register(Mailing)
class MailingAdmin(FitsALaptop, admin.ModelAdmin):
    form = MailingForm
    list_display = ["subject", "jam", "audience", "state"]
    list_filter = ["audience", "jam"]
    list_select_related = ["jam", "created_by"]
    search_fields = ["subject"]
    fields = ["jam", "audience", "subject", "body"]
    sent_fields = ["jam", "audience", "subject", "body", "created_by", "created_at", "sent_at", "recipient_count"]

    class Media:
        css = {"all": ["css/admin-layout.css", "css/admin-mailings.css"]}

    @admin.display(description="sent", ordering="sent_at")
    def state(self, mailing: Mailing) -> str:
        if mailing.sent_at is None:
            return "Not sent yet"
        people = f"{mailing.recipient_count} {'person' if mailing.recipient_count == 1 else 'people'}"
        return f"Sent to {people}, {format_utc(mailing.sent_at)}"

    @admin.display(description="emails")
    def emails(self, mailing: Mailing) -> str:
        states = mailing_outbox_states(mailing=mailing)
        parts = ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in sorted(states.items()))
        url = (
            reverse("admin:outbox_outboxitem_changelist") + f"?kind={ANNOUNCEMENT_KIND}&jam__id__exact={mailing.jam_id}"
        )
        return format_html('{} (<a href="{}">this jam\'s announcements in the outbox</a>)', parts or "none", url)

    def get_fields(self, request: HttpRequest, obj: Mailing | None = None):
        return [*self.sent_fields, "emails"] if obj and obj.sent_at else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Mailing | None = None):
        return [*self.sent_fields, "emails"] if obj and obj.sent_at else []

    def has_change_permission(self, request: HttpRequest, obj: Mailing | None = None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and obj.sent_at)

    def has_delete_permission(self, request: HttpRequest, obj: Mailing | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.sent_at)

    def save_model(self, request: HttpRequest, obj: Mailing, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    # Write, then preview -----------------------------------------------------------------

    def response_add(self, request: HttpRequest, obj: Mailing, post_url_continue=None) -> HttpResponse:
        return redirect("admin:mailings_mailing_preview", mailing_id=obj.pk)

    def response_change(self, request: HttpRequest, obj: Mailing) -> HttpResponse:
        return redirect("admin:mailings_mailing_preview", mailing_id=obj.pk)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:mailing_id>/preview/", preview, name="mailings_mailing_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest, mailing_id: int) -> HttpResponse:
        """GET: the count and the email as its first recipient gets it. POST: send it."""
        mailing = get_object_or_404(Mailing.objects.select_related("jam"), pk=mailing_id)
        change_url = reverse("admin:mailings_mailing_change", args=[mailing.pk])
        if mailing.sent_at:
            return HttpResponseRedirect(change_url)
        if not self.has_change_permission(request, mailing):
            raise PermissionDenied
        if request.method == "POST":
            return self._send(request, mailing, change_url)
        people = audience_users(jam=mailing.jam, audience=mailing.audience)
        count = people.count()
        first = people.first()
        context = {
            **self.admin_site.each_context(request),
            "title": "Check, then send",
            "opts": Mailing._meta,
            "mailing": mailing,
            "count": count,
            "first": first,
            "rendered": first
            and mailing_render(subject=mailing.subject, body=mailing.body, jam=mailing.jam, user=first),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/mailings/mailing/preview.html", context)

    def _send(self, request: HttpRequest, mailing: Mailing, change_url: str) -> HttpResponse:
        try:
            count = mailing_send(mailing=mailing)
        except AlreadySent as error:
            self.message_user(request, error.message, messages.WARNING)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            people = f"{count} {'person' if count == 1 else 'people'}"
            self.message_user(request, f"“{mailing.subject}” is on its way to {people}.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
