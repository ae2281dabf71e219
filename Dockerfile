# syntax=docker/dockerfile:1
#
# Mediaserver in one container, laid out the way self-hosters expect:
#   /config      config.toml, database, secret key, plugins, uploads (read-write, PUID:PGID);
#                derived media (ladders) too unless /media-data is used
#   /cache       on-the-fly transcode segments and subtitles (read-write, may be a tmpfs)
#   /media-data  optional: derived media on a big disk (set storage.root = "/media-data")
#   /media       your media folders (mount read-only)
#
#   docker run -d -p 8096:8096 -e PUID=1000 -e PGID=1000 --stop-timeout 30 \
#     -v ./config:/config -v ./cache:/cache -v /srv/media:/media:ro mediaserver
#
# docker/compose.example.yml shows the same with a GPU and the derived-media volume.
# Settings live in /config/config.toml, which every command (the server, and
# `docker exec <container> mediaserver user add ...`) reads by itself. The image sets no
# MEDIASERVER_* setting: the environment beats the file, so one set here would silently undo it.
#
# Every dependency ships as a manylinux wheel (PyAV carries its own FFmpeg), so no compiler or
# system FFmpeg is needed and the runtime image stays slim.

# An exact release, so a rebuild gets the same Python and Debian; bump it deliberately.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# --- build: turn the project and its dependencies into wheels -------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip wheel --wheel-dir /wheels .

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

# MEDIASERVER_IN_CONTAINER makes /config the data folder and /config/config.toml the config
# file, and /cache the cache (config_loading.platform_paths). NVENC needs the driver's `video`
# capability, which the NVIDIA runtime leaves out by default (compute,utility).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PUID=1000 \
    PGID=1000 \
    UMASK=022 \
    MEDIASERVER_IN_CONTAINER=1 \
    NVIDIA_DRIVER_CAPABILITIES=compute,video,utility

# Installed from the wheels only (--no-index): the runtime stage never reaches a registry.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels mediaserver

# The folders belong to the default PUID:PGID. The entrypoint runs the server as the numeric
# PUID:PGID with setpriv (util-linux, already in Debian slim) and changes nothing in /etc, so any
# PUID works without an account and the root filesystem may be read-only.
RUN mkdir -p /config /cache /media \
    && chown 1000:1000 /config /cache

COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY --chmod=0755 docker/healthcheck.py /usr/local/bin/healthcheck.py

VOLUME ["/config", "/cache", "/media"]
EXPOSE 8096

# No curl in slim images: ask /health with the Python that is already here, at the address and
# port the configuration says.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/bin/healthcheck.py"]

# aiohttp turns SIGTERM into a graceful shutdown: in-flight requests get server.shutdown_timeout
# (15 s), then running jobs go back to the queue. Docker kills after 10 s unless told otherwise,
# so give it 30 s: `docker run --stop-timeout 30`, or `stop_grace_period: 30s` in compose.
STOPSIGNAL SIGTERM

# The entrypoint starts as root only to fix ownership of /config, /cache and /media-data, then
# drops to PUID:PGID with setpriv before the server starts; nothing runs as root afterwards.
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["serve"]
