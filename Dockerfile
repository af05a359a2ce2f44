# syntax=docker/dockerfile:1
# driftwatch container: `docker build -t driftwatch .`
#   docker run --rm -p 9187:9187 -v "$PWD/config:/srv/driftwatch/config:ro" driftwatch
# Runs `driftwatch serve` as an unprivileged user, listening on 0.0.0.0:9187.
# Pin the base by digest in your own registry mirror if you need bit-for-bit rebuilds.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# ---------------------------------------------------------------- build stage
# Builds the driftwatch wheel and installs it with its runtime dependencies only
# (no test/dev extras) into a self-contained virtualenv that the runtime stage copies.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY driftwatch ./driftwatch
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/driftwatch \
 && /opt/driftwatch/bin/pip install /wheels/driftwatch-*.whl \
 && /opt/driftwatch/bin/driftwatch --version

# ---------------------------------------------------------------- runtime stage
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="driftwatch" \
      org.opencontainers.image.description="Schema drift and tenant-isolation watch for multi-tenant PostgreSQL" \
      org.opencontainers.image.licenses="MIT"
ENV PATH="/opt/driftwatch/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DRIFTWATCH_LISTEN=0.0.0.0:9187 \
    DRIFTWATCH_STATE_DIR=/srv/driftwatch/state
# A fixed numeric uid/gid so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 driftwatch \
 && useradd --system --uid 10001 --gid 10001 --home-dir /srv/driftwatch --no-create-home \
      --shell /usr/sbin/nologin driftwatch \
 && mkdir -p /srv/driftwatch/config /srv/driftwatch/state /srv/driftwatch/reference \
 && chown -R 10001:10001 /srv/driftwatch
COPY --from=build /opt/driftwatch /opt/driftwatch
# The config defaults are relative paths (config/driftwatch.toml, state/, reference/database),
# so they resolve inside these three volumes.
WORKDIR /srv/driftwatch
VOLUME ["/srv/driftwatch/config", "/srv/driftwatch/state", "/srv/driftwatch/reference"]
USER 10001:10001
EXPOSE 9187
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('DRIFTWATCH_LISTEN', ':9187').rpartition(':')[2]; urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4)"]
ENTRYPOINT ["driftwatch"]
CMD ["serve"]
