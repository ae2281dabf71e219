"""The command line as an operator uses it: real subprocesses, real exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from mediaserver.db.migrate import alembic_config


def run(*args: str, data_dir: Path, stdin: str = "", env: dict | None = None, db_url: str = ""):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    if db_url:
        full_env["MEDIASERVER_DATABASE__URL"] = db_url
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mediaserver", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


@pytest.fixture
def cli_db(backend: str, db_url: str) -> str:
    """'' for SQLite in the data dir, else the per-test PostgreSQL URL."""
    return "" if backend == "sqlite" else db_url


def test_help_lists_subcommands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mediaserver", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "migrate", "user", "config"):
        assert command in out


@pytest.mark.slow  # a dozen CLI runs, each a fresh interpreter
def test_user_lifecycle(tmp_path: Path, cli_db: str) -> None:
    result = run(
        "user",
        "add",
        "alice",
        "--admin",
        "--password-stdin",
        data_dir=tmp_path,
        stdin="long enough password\n",
        db_url=cli_db,
    )
    assert result.returncode == 0, result.stderr
    assert "created admin 'alice'" in result.stdout
    result = run(
        "user", "add", "bob", "--password-stdin", data_dir=tmp_path, stdin="short\n", db_url=cli_db
    )
    assert result.returncode == 1 and "at least 8 characters" in result.stderr
    assert "Traceback" not in result.stderr
    run(
        "user",
        "add",
        "bob",
        "--password-stdin",
        data_dir=tmp_path,
        stdin="bob's password\n",
        db_url=cli_db,
    )
    assert run("user", "disable", "bob", data_dir=tmp_path, db_url=cli_db).returncode == 0
    listed = json.loads(run("user", "list", "--json", data_dir=tmp_path, db_url=cli_db).stdout)
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("alice", "admin", False),
        ("bob", "user", True),
    ]
    result = run(
        "user",
        "passwd",
        "carol",
        "--password-stdin",
        data_dir=tmp_path,
        stdin="whatever123\n",
        db_url=cli_db,
    )
    assert result.returncode == 1 and "no user named 'carol'" in result.stderr
    result = run("user", "disable", "alice", data_dir=tmp_path, db_url=cli_db)
    assert result.returncode == 1 and "only enabled admin" in result.stderr


def head_revision() -> str | None:
    """The newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrate_reports_revision(tmp_path: Path, cli_db: str) -> None:
    result = run("migrate", data_dir=tmp_path, db_url=cli_db)
    assert result.returncode == 0 and f"database at revision {head_revision()}" in result.stdout
    again = run("migrate", data_dir=tmp_path, db_url=cli_db)
    assert again.stdout.strip() == f"database at revision {head_revision()}"  # nothing to do


def test_config_check_hides_secrets_and_fails_with_2(tmp_path: Path) -> None:
    result = run(
        "config", "check", data_dir=tmp_path, db_url="postgresql+asyncpg://u:topsecret@h/db"
    )
    assert result.returncode == 0
    assert "topsecret" not in result.stdout and json.loads(result.stdout)["server"]["port"] == 8096
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nprot = 1\n")
    result = run("config", "check", "--config", str(bad), data_dir=tmp_path)
    assert result.returncode == 2 and "did you mean 'server.port'" in result.stderr
    result = run("config", "check", data_dir=tmp_path, env={"MEDIASERVER_SERVER__PORT": "http"})
    assert result.returncode == 2 and "server.port" in result.stderr


def run_in(cwd: Path, *args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess:
    """The CLI as a person runs it: no --data-dir, from the folder they happen to be in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIASERVER_", "XDG_"))}
    env.update(HOME=str(home), MEDIASERVER_IN_CONTAINER="0")
    return subprocess.run(
        [sys.executable, "-m", "mediaserver", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_the_cli_uses_the_same_data_folder_from_any_working_directory(tmp_path: Path) -> None:
    home, first, second = (tmp_path / name for name in ("home", "first", "second"))
    for folder in (home, first, second):
        folder.mkdir()
    added = run_in(first, "user", "add", "alice", "--password-stdin", home=home, stdin="a" * 12)
    assert added.returncode == 0, added.stderr
    listed = run_in(second, "user", "list", "--json", home=home)
    assert [u["username"] for u in json.loads(listed.stdout)] == ["alice"]
    data = home / ".local" / "share" / "mediaserver"
    assert f"data folder {data} (cache {data / 'cache'}" in listed.stderr
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir()) == []


def test_data_dir_moves_the_cache_unless_the_cache_is_set(tmp_path: Path) -> None:
    result = run("config", "check", data_dir=tmp_path / "d")
    assert json.loads(result.stdout)["paths"]["cache_dir"] == str(tmp_path / "d" / "cache")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[paths]\ncache_dir = '{tmp_path / 'fast'}'\n")
    result = run("config", "check", "--config", str(cfg), data_dir=tmp_path / "d")
    assert json.loads(result.stdout)["paths"]["cache_dir"] == str(tmp_path / "fast")
    assert f"config file {cfg}" in result.stderr


@pytest.mark.parametrize(
    "command", [["migrate"], ["user", "list"], ["scan"], ["config", "check"]], ids=" ".join
)
def test_every_command_names_its_data_folder(tmp_path: Path, command: list[str]) -> None:
    result = run(*command, data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    line = f"data folder {tmp_path / 'd'} (cache {tmp_path / 'd' / 'cache'}; config file none)"
    assert result.stderr.count(line) == 1


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens here
    result = run(
        "serve",
        "--port",
        str(_free_port()),
        data_dir=tmp_path,
        db_url=f"postgresql+asyncpg://u:pw@127.0.0.1:{port}/db",
        env={"MEDIASERVER_DATABASE__CONNECT_TIMEOUT": "2"},
    )
    assert result.returncode == 1
    assert "cannot reach the database at postgresql+asyncpg://u:***@127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr and "pw@" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start")


def test_serve_starts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIASERVER_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediaserver",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/health", proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
            assert resp.url.endswith("/setup")  # first run
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        logged = proc.stderr.read()
        assert "Traceback" not in logged
        assert f"data folder {tmp_path} (cache {tmp_path / 'cache'}" in logged
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()  # reaps it and closes the pipes (left open they are a ResourceWarning)
