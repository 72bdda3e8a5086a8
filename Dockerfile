# The app image: gunicorn serves Django (static files through whitenoise); the same
# image runs the Celery worker and beat and the one-shot migrations in docker-compose.yml.
FROM python:3.11-slim

# MALLOC_ARENA_MAX: glibc gives each thread of a gunicorn gthread worker its own malloc
# arena and keeps what those arenas once held; two arenas keep a worker's memory near
# what its requests use (`make bench` runs gunicorn with the same).
# MALLOC_MMAP_THRESHOLD_: a fixed 128 KB. By default glibc raises the threshold to the
# size of each large block freed, so after the first upload check (1 MB ranged reads) those
# buffers come from the arenas and stay there; fixed, each is mmapped and given back.
# In `make bench` this took the upload surge's growth from about +45 MB to about +12 MB.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The app runs as an unprivileged user; the code and static files stay owned by root,
# so the process cannot rewrite them.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --create-home --home-dir /home/app app

# DejaVu for the share cards' lettering (accents and dashes; Pillow's own font has none).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# DEBUG off selects whitenoise's CompressedManifestStaticFilesStorage, which needs the
# hashed files and manifest made here. The key is a throwaway: nothing is signed.
RUN DEBUG=false SECRET_KEY=collectstatic-only-build-key-not-used-at-runtime \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# Workers, threads, timeouts and worker recycling: gunicorn.conf.py (GUNICORN_* overrides).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "hackathon.wsgi"]
