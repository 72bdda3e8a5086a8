from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from hackathon.cache import user_pages_changed


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        # Made on the server (`createsuperuser`) by whoever runs it, who vouches for the
        # address: without it nobody could reach the admin to run the site at all.
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        # Emails are unique case-insensitively, so logging in is too.
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: logs in with their email, is shown by their display name."""

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=100)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the person followed a link sent to this address (a verification link, a
    # password-reset link, a judge's invitation): only then is the address theirs.
    # Judging, joining a team by invite and the admin need it (accounts/verification.py).
    email_verified_at = models.DateTimeField("email verified", null=True, blank=True, editable=False)
    # Organizers' announcements (mailings/) skip people who turned them off, by the signed
    # link in each one (accounts/announcements.py). Emails about their own things (a
    # sign-up, an entry, a password, judging, results) still come.
    announcements_opt_out = models.BooleanField(
        "no announcement emails",
        default=False,
        help_text="Set by the unsubscribe link in an announcement; emails about their own things still go.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_verified_staff(self) -> bool:
        """Staff powers are given to an account by its address: they hold once it is proved."""
        return self.is_active and self.is_staff and self.email_verified

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    # The one side effect in a save(): every way a password, an account's state or a
    # name changes (log-in, reset, change, the admin, `changepassword`) ends here, and a
    # signed-in person's cached pages, served without reading this row
    # (hackathon/pages.py), must not outlive it. A version bump, nothing else.
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        user_pages_changed(self.pk)

    def delete(self, *args, **kwargs):
        pk = self.pk
        result = super().delete(*args, **kwargs)
        user_pages_changed(pk)
        return result
