"""The admin, for staff whose email address is verified. An organizer makes someone staff
by their account's address: until that person proves the address is theirs, the role is
not theirs either (an account can be made with anyone's address)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import render


class VerifiedAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.email_verified

    def login(self, request, extra_context=None):
        """Staff signed in with an address not yet verified are told so, with the button
        that sends the link, instead of the admin's log-in form."""
        user = request.user
        if request.method == "GET" and user.is_active and user.is_staff and not user.email_verified:
            context = {"next": request.GET.get("next") or request.path}
            return render(request, "registration/admin_verify_needed.html", context, status=403)
        return super().login(request, extra_context)


class VerifiedAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.VerifiedAdminSite"
