# syntax=docker/dockerfile:1
# The production image of the patient portal: one image for web (gunicorn), worker, beat and migrate.
# Build: docker compose build (see docs/DEPLOY.md). Dependencies come from uv.lock, exactly.

ARG PYTHON_IMAGE=python:3.11-slim

# --- Stage 1: the source tree, without a developer's leftovers ------------------
# The build context may hold a local .venv, var/ (the embedded database of a
# developer's machine), .git or a real .env; none of it may reach the image.
FROM ${PYTHON_IMAGE} AS source
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
WORKDIR /src
# Translations are compiled here, so the image never depends on committed .mo files.
RUN rm -rf .venv var .git .env node_modules test-artifacts .pytest_cache .mypy_cache .ruff_cache \
    && find . -name __pycache__ -prune -exec rm -rf {} + \
    && find . -name '*.po' -path '*/LC_MESSAGES/*' -exec sh -c 'msgfmt --check-format -o "${1%.po}.mo" "$1"' _ {} \; \
    && mkdir -p static

# --- Stage 2: the runtime image ----------------------------------------------------
FROM ${PYTHON_IMAGE}

ARG UV_VERSION=0.13.8

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_PREFERENCE=only-system \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=portal.settings \
    WEB_CONCURRENCY=3 \
    FORWARDED_ALLOW_IPS=127.0.0.1,::1 \
    GUNICORN_TIMEOUT=60

# Shared libraries WeasyPrint needs to render PDFs (Pango for text layout, HarfBuzz subsetting for fonts).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY --from=source /src /app

# Static files are collected at build time. Settings read these variables at
# import, but collectstatic connects to nothing, so throwaway values are enough;
# they exist only in this RUN step, never in the image's environment.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    DEBUG=0 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user; the code stays root-owned and read-only to it.
# var/beat holds Celery beat's schedule file and var/media uploaded files (named volumes in
# docker-compose.yml; web and worker share media, since the worker reads the uploads).
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal \
    && mkdir -p /app/var/beat /app/var/media \
    && chown portal:portal /app/var/beat /app/var/media
USER portal

EXPOSE 8000

# Gunicorn's access log stays off: request paths can carry search terms (names); the app logs ids instead.
# FORWARDED_ALLOW_IPS: the reverse proxy's addresses or networks; WEB_CONCURRENCY: worker processes.
# Shell form so the variables expand; exec makes gunicorn PID 1, so it receives the stop signal.
# No control socket: nothing here uses gunicornc, and the portal user's home is not writable.
CMD exec gunicorn portal.wsgi:application \
    --bind 0.0.0.0:8000 \
    --workers "$WEB_CONCURRENCY" \
    --forwarded-allow-ips "$FORWARDED_ALLOW_IPS" \
    --timeout "$GUNICORN_TIMEOUT" \
    --graceful-timeout 30 \
    --max-requests 1000 \
    --max-requests-jitter 100 \
    --worker-tmp-dir /dev/shm \
    --no-control-socket
