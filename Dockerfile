# Production image: gunicorn (web), Celery worker and beat all run from it (see docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY frontend ./frontend
RUN npm ci --no-audit --no-fund && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_VAR_DIR=/app/var
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
COPY --from=assets /src/static/vendor ./static/vendor
RUN DJANGO_DEBUG=true python manage.py compilemessages --ignore=.venv -v0 \
 && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput -v0 \
 && useradd --system --home /app erp && mkdir -p /app/var/private && chown -R erp /app/var
USER erp
EXPOSE 8000
CMD ["gunicorn", "dealership.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
