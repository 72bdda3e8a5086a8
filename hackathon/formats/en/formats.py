"""English date and time formats: 24 h, and a time always with its zone.

Django's own ("Nov. 28, 2026, 2:48 p.m.") are what the admin shows for any time our
code doesn't format itself (jams/times.py does, with the jam's zone). These print a
time in the zone it was converted to, the site's UTC: "Sat 28 Nov 2026, 14:48 UTC".
"""

DATE_FORMAT = "D j M Y"
TIME_FORMAT = "H:i T"
DATETIME_FORMAT = "D j M Y, H:i T"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
