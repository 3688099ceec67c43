# Agent Assist: one stateless app process; point it at Redis and PostgreSQL with ASSIST_* variables.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    ASSIST_HOST=0.0.0.0 ASSIST_PORT=8000 ASSIST_DATA_DIR=/data ASSIST_WEB_DIR=/app/web \
    ASSIST_ENVIRONMENT=production

RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 assist && mkdir /data && chown assist /data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY assist ./assist
COPY models ./models
COPY routing ./routing
COPY simulator ./simulator
COPY web ./web
RUN pip install .

USER assist
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"ASSIST_PORT\",\"8000\")}/healthz', timeout=2)"
# Migrations run explicitly before the service starts (it refuses a database that lacks one in production);
# replicas started together take turns on PostgreSQL's advisory lock. To migrate as a separate release step
# instead (a Kubernetes Job, a deploy hook), run `assist db upgrade` there and `assist serve` here.
CMD ["sh", "-c", "assist db upgrade && exec assist serve"]
