# syntax=docker/dockerfile:1
#
# Mediaserver in one container, laid out the way self-hosters expect:
#   /config  database, secret key, derived media, plugins (read-write, owned by PUID:PGID)
#   /cache   on-the-fly transcode segments (read-write, may be a tmpfs)
#   /media   your media folders (mount read-only)
#
#   docker run -d -p 8096:8096 -e PUID=1000 -e PGID=1000 \
#     -v ./config:/config -v ./cache:/cache -v /srv/media:/media:ro mediaserver
#
# Every dependency ships as a manylinux wheel (PyAV carries its own FFmpeg), so no compiler or
# system FFmpeg is needed and the runtime image stays slim.

ARG PYTHON_VERSION=3.11

# --- build: turn the project and its dependencies into wheels -------------------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

# --- runtime ---------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PUID=1000 \
    PGID=1000 \
    UMASK=022 \
    MEDIASERVER_PATHS__DATA_DIR=/config \
    MEDIASERVER_PATHS__CACHE_DIR=/cache \
    MEDIASERVER_SERVER__HOST=0.0.0.0 \
    MEDIASERVER_SERVER__PORT=8096

# Installed from the wheels only (--no-index): the runtime stage never reaches a registry.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels mediaserver

# A fixed account the entrypoint re-numbers to PUID/PGID at start (the linuxserver.io way).
# setpriv (util-linux) and usermod/groupmod (passwd) are already in Debian slim: nothing to add.
RUN groupadd --system --gid 911 mediaserver \
    && useradd --system --uid 911 --gid mediaserver --home-dir /config --no-create-home \
        --shell /usr/sbin/nologin mediaserver \
    && mkdir -p /config /cache /media \
    && chown mediaserver:mediaserver /config /cache

COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/entrypoint.sh

VOLUME ["/config", "/cache", "/media"]
EXPOSE 8096

# No curl in slim images: ask /health with the Python that is already here. Shell form so a
# changed MEDIASERVER_SERVER__PORT is honoured.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MEDIASERVER_SERVER__PORT', '8096') + '/health', timeout=4)" || exit 1

# aiohttp turns SIGTERM into a graceful shutdown (in-flight requests finish, jobs are released
# to the queue); server.shutdown_timeout bounds it, so keep `docker stop -t` above that (15 s).
STOPSIGNAL SIGTERM

# The entrypoint starts as root only to fix ownership of /config and /cache, then drops to
# PUID:PGID with setpriv before the server starts; nothing runs as root afterwards.
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["serve"]
