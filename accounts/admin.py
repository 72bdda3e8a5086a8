from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .forms import UserAdminChangeForm, UserAdminCreationForm
from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "email_confirmed", "is_staff", "date_joined"]
    search_fields = ["email", "display_name"]
    list_filter = ["is_staff", "is_superuser", "is_active", ("email_verified_at", admin.EmptyFieldListFilter)]
    # Only the person can verify their address, by a link sent to it: staff powers, judging
    # and team invites need it, so an organizer can't grant it by a click.
    readonly_fields = ["email_verified_at"]
    fieldsets = [
        (None, {"fields": ["email", "email_verified_at", "password"]}),
        ("Profile", {"fields": ["display_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]

    class Media:
        # The organizers' admin layout (jams.admin.FitsALaptop): long addresses and names
        # wrap, so the list fits a 1366 px screen however long the addresses grow.
        css = {"all": ["css/admin-layout.css"]}

    @admin.display(description="email confirmed", boolean=True, ordering="email_verified_at")
    def email_confirmed(self, user: User) -> bool:
        return user.email_verified  # an icon: the list fits a laptop's screen

    def save_model(self, request, obj, form, change):
        if change and "email" in form.changed_data:
            obj.email_verified_at = None  # the new address is not proved yet
        super().save_model(request, obj, form, change)
