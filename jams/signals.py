"""Signals the jams app sends for apps above it to act on (jams never imports them)."""

from __future__ import annotations

from django.dispatch import Signal

# A published jam's times were changed by an organizer. Sent with:
#   jam: the Jam, saved with its new times;
#   changes: the JamTimeChange rows just saved (field, old_value, new_value);
#   notify: whether to tell everyone signed up (the admin's checkbox);
#   by_user: the organizer who changed them (None when not a saved user).
# mailings.receivers sends the email when notify is true.
jam_times_changed = Signal()
