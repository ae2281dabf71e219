"""Configuration: precedence, validation with suggestions, secrets from files, the example file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from mediaserver.config import ConfigError
from mediaserver.config_loading import known_keys, load_settings, platform_paths, redacted

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_are_usable() -> None:
    s = load_settings(environ={})
    assert s.server.port == 8096
    assert s.database_url.startswith("sqlite+aiosqlite:///")


def test_precedence_file_then_env_then_cli(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[server]\nport = 9000\nhost = '127.0.0.1'\n")
    assert load_settings(cfg, environ={}).server.port == 9000
    env = {"MEDIASERVER_SERVER__PORT": "9100"}
    s = load_settings(cfg, environ=env)
    assert (s.server.port, s.server.host) == (9100, "127.0.0.1")
    s = load_settings(cfg, environ=env, overrides={"server": {"port": 9200, "host": None}})
    assert (s.server.port, s.server.host) == (9200, "127.0.0.1")


def test_unknown_key_in_file_names_it_and_suggests(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[server]\nprot = 9000\n")
    with pytest.raises(
        ConfigError, match=r"unknown setting 'server.prot'.*did you mean 'server.port'"
    ):
        load_settings(cfg, environ={})


def test_unknown_section_and_env_key_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown section 'sever'.*'server'"):
        load_settings(write(tmp_path, "[sever]\nport = 1\n"), environ={})
    with pytest.raises(
        ConfigError, match=r"environment: unknown setting 'jobs.concurency'.*concurrency"
    ):
        load_settings(environ={"MEDIASERVER_JOBS__CONCURENCY": "3"})


def test_env_without_double_underscore_is_not_a_setting() -> None:
    s = load_settings(environ={"MEDIASERVER_TEST_POSTGRES_URL": "postgresql://x"})
    assert s.server.port == 8096


def test_wrong_type_says_where_and_what(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server.port.*'eighty'"):
        load_settings(write(tmp_path, "[server]\nport = 'eighty'\n"), environ={})
    with pytest.raises(ConfigError, match=r"server.port"):
        load_settings(environ={"MEDIASERVER_SERVER__PORT": "70000"})


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[server\nport = 1"), environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_secrets_from_files_and_hidden_in_check(tmp_path: Path) -> None:
    url_file = tmp_path / "db_url"
    url_file.write_text("postgresql+asyncpg://media:hunter2@db/media\n")
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-signing-key")
    cfg = write(
        tmp_path, f"[database]\nurl_file = '{url_file}'\n[auth]\nsecret_key_file = '{key_file}'\n"
    )
    s = load_settings(cfg, environ={})
    assert s.database.url.get_secret_value() == "postgresql+asyncpg://media:hunter2@db/media"
    shown = str(redacted(s))
    assert "hunter2" not in shown and "s3cret" not in shown
    assert "media:***@db/media" in shown


def test_unreadable_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    cfg = write(tmp_path, f"[database]\nurl_file = '{tmp_path / 'missing'}'\n")
    with pytest.raises(ConfigError, match="database.url_file: cannot read"):
        load_settings(cfg, environ={})


def test_example_file_documents_every_setting_and_loads() -> None:
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    for key in known_keys():
        section, name = key.split(".")
        assert section in data, f"section [{section}] missing from config.example.toml"
        documented = name in data[section] or re.search(rf"^# {name} = ", text, re.M)
        assert documented, f"{key} is not documented in config.example.toml"
    load_settings(EXAMPLE, environ={})  # the example itself is valid


def test_segments_must_hold_whole_gops() -> None:
    with pytest.raises(ConfigError, match="whole multiple of gop_seconds"):
        load_settings(
            environ={
                "MEDIASERVER_TRANSCODING__SEGMENT_SECONDS": "5",
                "MEDIASERVER_TRANSCODING__GOP_SECONDS": "2",
            }
        )


def test_data_folder_defaults_to_the_platform_never_the_working_directory(tmp_path: Path) -> None:
    desktop = load_settings(environ={"HOME": str(tmp_path), "MEDIASERVER_IN_CONTAINER": "0"})
    assert desktop.paths.data_dir == tmp_path / ".local" / "share" / "mediaserver"
    assert desktop.paths.cache_dir == desktop.paths.data_dir / "cache"
    xdg = load_settings(environ={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert xdg.paths.data_dir == tmp_path / "xdg" / "mediaserver"
    container = load_settings(environ={"MEDIASERVER_IN_CONTAINER": "1"})
    assert container.paths.data_dir == Path("/config")
    assert container.paths.cache_dir == Path("/cache")


def test_container_detection_prefers_the_images_variable(tmp_path: Path) -> None:
    (tmp_path / ".dockerenv").touch()
    (tmp_path / "config").mkdir()
    assert platform_paths({}, root=tmp_path).data_dir == tmp_path / "config"
    assert not platform_paths({"MEDIASERVER_IN_CONTAINER": "0"}, root=tmp_path).in_container
    (tmp_path / "config").rmdir()  # some other container: the desktop defaults apply
    assert not platform_paths({}, root=tmp_path).in_container


def test_the_cache_follows_the_data_folder_unless_set(tmp_path: Path) -> None:
    moved = load_settings(environ={}, overrides={"paths": {"data_dir": tmp_path / "d"}})
    assert moved.paths.cache_dir == tmp_path / "d" / "cache"
    cfg = write(tmp_path, f"[paths]\ncache_dir = '{tmp_path / 'fast'}'\n")
    kept = load_settings(cfg, environ={}, overrides={"paths": {"data_dir": tmp_path / "d"}})
    assert kept.paths.cache_dir == tmp_path / "fast"
    # In the container too: another data folder takes its cache along instead of sharing /cache.
    other = load_settings(
        environ={"MEDIASERVER_IN_CONTAINER": "1"}, overrides={"paths": {"data_dir": tmp_path}}
    )
    assert other.paths.cache_dir == tmp_path / "cache"


def test_relative_paths_in_a_config_file_are_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    cfg = write(folder, "[paths]\ndata_dir = 'data'\n[plugins]\nfolder = 'plugins'\n")
    monkeypatch.chdir(tmp_path)
    s = load_settings(cfg, environ={})
    assert s.paths.data_dir == folder / "data" and s.paths.cache_dir == folder / "data" / "cache"
    assert s.plugins_folder == folder / "plugins"


def test_the_platform_config_file_is_read_when_present(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    assert load_settings(environ=env).server.port == 8096  # no file: defaults
    (tmp_path / "mediaserver").mkdir()
    write(tmp_path / "mediaserver", "[server]\nport = 9300\n")
    assert load_settings(environ=env).server.port == 9300
    container = platform_paths({"MEDIASERVER_IN_CONTAINER": "1"})
    assert container.config_file == Path("/config/config.toml")  # what `docker exec` reads
