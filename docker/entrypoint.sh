#!/bin/bash
# Container entrypoint: run mediaserver as PUID:PGID, never as root.
#
# Started as root (the default), it makes /config, /cache and /media-data (when mounted) belong
# to PUID:PGID (never /media: that is the user's read-only library) and drops privileges with
# setpriv to the numeric ids before exec-ing the server, so the server is PID 1 and gets SIGTERM
# from `docker stop` directly. Nothing under /etc is changed, so a read-only root filesystem
# works, and any PUID needs no account. Started with `--user`, it skips all of that.
#
# The settings come from /config/config.toml (the app finds it by itself in the container);
# this script sets no MEDIASERVER_* setting, so nothing here shadows the file.
set -euo pipefail

# Overridable so the logic can be exercised outside a container (tests/ops/test_entrypoint.py).
read -r -a WRITABLE_DIRS <<< "${ENTRYPOINT_WRITABLE_DIRS:-/config /cache}"
read -r -a OPTIONAL_DIRS <<< "${ENTRYPOINT_OPTIONAL_DIRS:-/media-data}"
DEVICE_DIR="${ENTRYPOINT_DEVICE_DIR:-/dev/dri}"
HOME_DIR="${ENTRYPOINT_HOME:-/config}"

log() { printf '[entrypoint] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

is_id() { [[ "$1" =~ ^[0-9]{1,10}$ ]]; }

# A mediaserver subcommand (serve, migrate, user, scan, config, setup-code, ...) or a flag runs
# the server's CLI; a program on PATH (bash, sh -c ...) runs as given, still unprivileged.
first="${1:-serve}"
if [[ "$first" == -* ]] || ! command -v -- "$first" > /dev/null 2>&1; then
    set -- mediaserver "${@:-serve}"
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

# Supplementary groups the server keeps: those given with `docker run --group-add` (the root
# process has them) and the groups owning the GPU device nodes (render, video), without which
# VA-API and Quick Sync cannot open /dev/dri. Never group 0.
declare -A seen=()
groups=()
add_group() {
    if is_id "$1" && [[ "$1" -ne 0 && "$1" -ne "$PGID" && -z "${seen[$1]:-}" ]]; then
        seen[$1]=1
        groups+=("$1")
    fi
}
for gid in $(id -G); do add_group "$gid"; done
if [[ -d "$DEVICE_DIR" ]]; then
    for node in "$DEVICE_DIR"/*; do
        if [[ -e "$node" ]]; then add_group "$(stat -c %g "$node")"; fi
    done
fi
drop=(setpriv --reuid="$PUID" --regid="$PGID")
if ((${#groups[@]})); then
    drop+=("--groups=$(IFS=,; echo "${groups[*]}")")
else
    drop+=(--clear-groups)
fi
drop+=(--inh-caps=-all --no-new-privs --)
as_app() { "${drop[@]}" "$@"; }

dirs=("${WRITABLE_DIRS[@]}")
for dir in "${OPTIONAL_DIRS[@]}"; do
    if [[ -d "$dir" ]]; then dirs+=("$dir"); fi
done
for dir in "${dirs[@]}"; do
    mkdir -p "$dir" 2> /dev/null || true
    # Only what is not already ours, so a large /config does not cost a full chown on every
    # start. -h changes a symlink itself, never its target (a link to /etc/shadow stays harmless);
    # -xdev keeps out of other filesystems mounted below. On NFS with root_squash root may not
    # chown at all: that is fine as long as PUID can write there.
    if ! find "$dir" -xdev \( ! -uid "$PUID" -o ! -gid "$PGID" \) \
        -exec chown -h "$PUID:$PGID" {} + 2> /dev/null; then
        if as_app test -w "$dir"; then
            log "warning: could not give $dir to $PUID:$PGID (root_squash?); it is writable, continuing"
        else
            log "warning: $dir is not writable by uid $PUID gid $PGID; give it to them on the host"
        fi
    fi
done

log "running as uid $PUID gid $PGID (groups: ${groups[*]:-none}): $*"
export HOME="$HOME_DIR"
exec "${drop[@]}" "$@"
