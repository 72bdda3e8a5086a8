"""Signals the jams app sends for apps above it to act on (jams never imports them)."""

from __future__ import annotations

from django.dispatch import Signal

# A published jam's times were changed by an organizer. Sent with:
#   jam: the Jam, saved with its new times;
#   changes: a list of (field label, old datetime, new datetime);
#   notify: whether to tell everyone signed up (the admin's checkbox);
#   by_user: the organizer who changed them.
# mailings.receivers sends the email when notify is true.
jam_times_changed = Signal()
