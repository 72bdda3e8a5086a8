"""Mark an account's address verified from the server, for whoever runs the site and knows
the address is that person's (an organizer whose mail doesn't arrive, say). Everyone else
verifies by the link emailed to them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import user_email_verify


class Command(BaseCommand):
    help = "Mark the email address of each given account verified."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="+", metavar="email")

    def handle(self, *args, emails: list[str], **options):
        for email in emails:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"No account has the address {email}.")
            if user_email_verify(user=user):
                self.stdout.write(f"{user.email}: verified.")
            else:
                self.stdout.write(f"{user.email}: was verified already.")
