"""The container's entrypoint, run here with a temporary folder as /config.

Docker is not needed: the script's folders are overridable, and `id`, `setpriv`, `chown` and
`mediaserver` are stand-ins on PATH that record how they were called, so the script's decisions
(which command runs, as whom, with which groups, what happens when chown is refused) are checked
the same whether the tests run as root or not. The image's own files are checked as text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mediaserver.cli import build_parser
from mediaserver.config import ServerSettings

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker" / "compose.example.yml"

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("setpriv") is None, reason="needs bash, setpriv"
)

STUBS = {
    # Root, with a group from `docker run --group-add 44`.
    "id": 'case "$1" in -u) echo 0 ;; -G) echo "0 44" ;; *) /usr/bin/id "$@" ;; esac',
    # Records the privilege drop, then runs what follows `--` (as the caller: it is a stand-in).
    "setpriv": 'echo "setpriv $*" >> "$STUB_LOG"\n'
    'while [ "$1" != "--" ]; do shift; done; shift; exec "$@"',
    "mediaserver": 'echo "mediaserver $*" >> "$STUB_LOG"\n'
    'env | grep "^MEDIASERVER_" | sed "s/^/env /" >> "$STUB_LOG"\n'
    'echo "home $HOME" >> "$STUB_LOG"',
    **{
        name: f'echo "{name} $*" >> "$STUB_LOG"; exit 1'
        for name in ("groupmod", "usermod", "groupadd", "useradd", "adduser", "addgroup")
    },
}


def start(tmp_path: Path, *args: str, chown_works: bool = True) -> tuple[int, list[str], str]:
    """Run the entrypoint; its exit code, what the stand-ins recorded, and its stderr."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stubs = dict(STUBS)
    if not chown_works:  # NFS with root_squash: root may not chown there
        stubs["chown"] = 'echo "chown: Operation not permitted" >&2; exit 1'
    else:
        stubs["chown"] = 'echo "chown $*" >> "$STUB_LOG"'
    for name, body in stubs.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    for name in ("config", "cache", "dri"):
        (tmp_path / name).mkdir(exist_ok=True)
    (tmp_path / "dri" / "renderD128").touch()
    log = tmp_path / "log"
    log.write_text("")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "STUB_LOG": str(log),
        "PUID": "4321",
        "PGID": "4322",
        "MEDIASERVER_IN_CONTAINER": "1",
        "ENTRYPOINT_WRITABLE_DIRS": f"{tmp_path / 'config'} {tmp_path / 'cache'}",
        "ENTRYPOINT_OPTIONAL_DIRS": str(tmp_path / "media-data"),
        "ENTRYPOINT_DEVICE_DIR": str(tmp_path / "dri"),
        "ENTRYPOINT_HOME": str(tmp_path / "config"),
    }
    proc = subprocess.run(
        ["bash", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=30
    )
    return proc.returncode, log.read_text().splitlines(), proc.stderr


def test_the_cli_runs_as_puid_pgid_keeping_the_gpu_groups_and_never_writes_etc(
    tmp_path: Path,
) -> None:
    code, calls, stderr = start(tmp_path, "user", "add", "bob")
    assert code == 0, stderr
    drop = next(c for c in calls if c.startswith("setpriv "))
    assert "--reuid=4321 --regid=4322" in drop
    groups = re.search(r"--groups=(\S+)", drop)
    device_gid = str((tmp_path / "dri" / "renderD128").stat().st_gid)
    expected = {"44"} | ({device_gid} if device_gid not in ("0", "4322") else set())
    assert groups and set(groups.group(1).split(",")) == expected, drop
    assert "--clear-groups" not in drop
    assert "mediaserver user add bob" in calls
    assert f"home {tmp_path / 'config'}" in calls
    # Nothing re-numbers an account in /etc (a read-only root filesystem works) ...
    assert not [c for c in calls if c.split()[0] in ("groupmod", "usermod", "groupadd", "useradd")]
    # ... and no setting is put in the environment, where it would beat /config/config.toml.
    assert [c for c in calls if c.startswith("env ") and "__" in c] == []


def test_a_refused_chown_of_a_writable_config_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "not-ours").touch()
    os.chmod(tmp_path / "config", 0o777)  # writable by PUID whoever runs the test
    code, calls, stderr = start(tmp_path, chown_works=False)
    assert code == 0, stderr
    assert "could not give" in stderr and "writable, continuing" in stderr
    assert "mediaserver serve" in calls  # no arguments: the server


def test_a_mounted_media_data_volume_is_given_to_puid(tmp_path: Path) -> None:
    (tmp_path / "media-data").mkdir()
    (tmp_path / "media-data" / "ladder").touch()
    code, calls, stderr = start(tmp_path, "serve")
    assert code == 0, stderr
    assert any(c.startswith("chown ") and "media-data" in c for c in calls), calls


def test_every_cli_command_goes_to_mediaserver_and_programs_run_as_given(tmp_path: Path) -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert "serve" in commands
    for command in commands:
        code, calls, stderr = start(tmp_path, command, "--help")
        assert code == 0 and f"mediaserver {command} --help" in calls, (command, stderr)
    code, calls, _ = start(tmp_path, "--version")
    assert "mediaserver --version" in calls
    code, calls, stderr = start(tmp_path, "sh", "-c", "echo plain shell >> $STUB_LOG")
    assert code == 0 and "plain shell" in calls and not [c for c in calls if "mediaserver" in c]


def test_the_image_sets_no_setting_pins_its_base_and_lets_nvenc_in() -> None:
    text = DOCKERFILE.read_text()
    assert not re.search(r"MEDIASERVER_[A-Z]+__", text), "settings belong in config.toml"
    assert "MEDIASERVER_IN_CONTAINER=1" in text
    bases = re.findall(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M)
    assert bases and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+", bases[0]), bases
    assert re.findall(r"^FROM (\S+)", text, re.M) == ["${PYTHON_IMAGE}"] * 2
    capabilities = re.search(r"NVIDIA_DRIVER_CAPABILITIES=(\S+)", text)
    assert capabilities and "video" in capabilities.group(1).split(",")
    assert re.search(r"^STOPSIGNAL SIGTERM", text, re.M)


def test_the_example_compose_file_waits_longer_than_the_server_shuts_down() -> None:
    text = COMPOSE.read_text()
    grace = re.search(r"stop_grace_period: (\d+)s", text)
    shutdown_timeout = ServerSettings().shutdown_timeout
    # The job runner hands running jobs back after the requests finish: leave it time too.
    assert grace and int(grace.group(1)) >= shutdown_timeout + 10
    assert "/media-data" in text and "/config" in text
