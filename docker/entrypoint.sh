#!/bin/bash
# Container entrypoint: run mediaserver as PUID:PGID, never as root.
#
# Started as root (the default), it re-numbers the built-in "mediaserver" account to PUID/PGID,
# makes /config and /cache belong to it (never /media: that is the user's read-only library),
# and drops privileges with setpriv before exec-ing the server, so the server is PID 1 and gets
# SIGTERM from `docker stop` directly. Started with `--user`, it skips all of that.
set -euo pipefail

APP_USER=mediaserver
WRITABLE_DIRS=(/config /cache)

log() { printf '[entrypoint] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_id() { [[ "$1" =~ ^[0-9]{1,10}$ ]]; }

# A mediaserver subcommand (or a flag) runs the server's CLI; anything else (bash, sh -c ...)
# runs as given, still with the dropped privileges.
case "${1:-serve}" in
    serve | migrate | user | config | scan | worker | -*) set -- mediaserver "${@:-serve}" ;;
esac

# /config/config.toml is used when present; otherwise the MEDIASERVER_* environment and the
# built-in defaults apply. MEDIASERVER_CONFIG is what `mediaserver --config` falls back to, so
# every subcommand sees the same file, and an explicit --config still wins.
if [[ -z "${MEDIASERVER_CONFIG:-}" && -f /config/config.toml ]]; then
    export MEDIASERVER_CONFIG=/config/config.toml
fi

umask "${UMASK:-022}"

if [[ "$(id -u)" -ne 0 ]]; then
    # Already unprivileged (docker run --user): nothing can be chowned; just say what is wrong.
    for dir in "${WRITABLE_DIRS[@]}"; do
        [[ -w "$dir" ]] || log "warning: $dir is not writable by uid $(id -u)"
    done
    exec "$@"
fi

PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
is_id "$PUID" || die "PUID must be a number, got '$PUID'"
is_id "$PGID" || die "PGID must be a number, got '$PGID'"
# The point of PUID is to run as someone other than root; refuse rather than silently run as root.
[[ "$PUID" -ne 0 ]] || die "PUID=0 would run the server as root; choose an unprivileged id"

# -o: the ids may already be taken inside the image (PGID=100 is Debian's "users"); sharing the
# number is what the host expects. Only touch /etc when needed, so a read-only root fs works.
if [[ "$(id -g "$APP_USER")" -ne "$PGID" ]]; then
    groupmod -o -g "$PGID" "$APP_USER"
fi
if [[ "$(id -u "$APP_USER")" -ne "$PUID" ]]; then
    usermod -o -u "$PUID" "$APP_USER"
fi

for dir in "${WRITABLE_DIRS[@]}"; do
    mkdir -p "$dir"
    # Only what is not already ours, so a large /config does not cost a full chown on every
    # start. -h changes a symlink itself, never its target (a link to /etc/shadow stays harmless);
    # -xdev keeps out of other filesystems mounted below.
    find "$dir" -xdev \( ! -uid "$PUID" -o ! -gid "$PGID" \) -exec chown -h "$PUID:$PGID" {} +
done

log "running as uid $PUID gid $PGID: $*"
export HOME=/config USER="$APP_USER"
exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups --inh-caps=-all --no-new-privs -- "$@"
