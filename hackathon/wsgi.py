import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hackathon.settings")
django_application = get_wsgi_application()

# Anonymous visitors' public pages are answered from the cache before Django builds a
# request (jams/cache.py); everything else goes to Django.
from jams.cache import PublicPageWSGICache  # noqa: E402 - needs Django set up first

application = PublicPageWSGICache(django_application)
