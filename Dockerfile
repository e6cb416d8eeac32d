# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and beat (see docker-compose.yml).

# Styles and scripts: GOV.UK Frontend compiled into static/build/ (package.json's "build").
FROM node:22-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./frontend
RUN npm run build

FROM python:3.11-slim-bookworm
# WeasyPrint's libraries, and the fonts that reports name (Liberation Sans is Arial's metric twin).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The dependencies in a layer of their own, rebuilt only when pyproject.toml changes: the project
# installs no packages of its own (it runs from /app), so this needs nothing else.
COPY pyproject.toml ./
RUN pip install . && rm -rf build clusterwork.egg-info

COPY . .
COPY --from=assets /app/static/build ./static/build
# Production's manifest storage hashes every file at build time; the settings need a secret key and
# hosts to load, which are placeholders here and never reach a running container.
RUN DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=collectstatic-only-placeholder \
    ALLOWED_HOSTS=localhost python manage.py collectstatic --no-input

RUN useradd --system --no-create-home --home-dir /app clusterwork \
    && mkdir -p /data/media && chown clusterwork /data/media
USER clusterwork
# Gunicorn reads its number of workers from WEB_CONCURRENCY.
ENV DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/data/media \
    WEB_CONCURRENCY=3
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
