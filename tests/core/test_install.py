"""A real, non-editable install works: the templates and static files of the top-level web/ folder
are shipped as mediaserver.web, and an app built from the installed copy alone serves them.

The editable install the tests normally run from finds web/ in the repository, so it cannot tell
whether the wheel has it; this builds and installs the package the way a user would, offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
# What the build reads. Only these are copied: an in-tree build would write build/ and egg-info
# into the shared checkout, and a stale build/ there could hand the wheel files the sources no
# longer ship.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "mediaserver", "web")

# Runs in a subprocess with PYTHONPATH=<the install> and its working directory outside the
# repository: builds the app from the installed copy and asks it for the login page and the
# stylesheet it links to. Dependencies come from the interpreter's own site-packages.
SERVE = r"""
import asyncio, json, re, sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from mediaserver.app import create_app
from mediaserver.config_loading import load_settings

work = Path(sys.argv[1])
settings = load_settings(
    environ={},
    overrides={
        "paths": {"data_dir": work / "data", "cache_dir": work / "cache", "min_free_bytes": 0},
        "database": {"url": f"sqlite+aiosqlite:///{work / 'data' / 'test.db'}"},
        "logging": {"access_log": False},
    },
)


async def main():
    async with TestClient(TestServer(create_app(settings))) as client:
        page = await client.get("/login")
        html = await page.text()
        css = re.search(r'href="(/static/css/app\.css[^"]*)"', html)
        assert css, html[:2000]
        static = await client.get(css.group(1))
        plain = await client.get("/static/css/app.css")
        return {
            "page": [str(page.url.path), page.status, page.content_type, html],
            "static_url": css.group(1),
            "static": [static.status, (await static.read()).hex()],
            "plain": [plain.status, (await plain.read()).hex()],
        }


result = asyncio.run(main())
result["modules"] = sorted(
    {str(getattr(m, "__file__", None) or "") for m in list(sys.modules.values())} - {""}
)
print(json.dumps(result))
"""


def test_the_build_backend_is_bounded_and_the_one_tested_is_allowed() -> None:
    # An unbounded backend builds with whatever release is newest on the day, including the one
    # that removes something this project still uses; the license is the SPDX string form that
    # replaced the {text = ...} table setuptools stops accepting.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    backend = [Requirement(r) for r in project["build-system"]["requires"]]
    setuptools = next(r for r in backend if r.name == "setuptools")
    assert any(spec.operator in ("<", "<=", "~=", "==") for spec in setuptools.specifier), backend
    # The install test below builds with this environment's setuptools: it must be allowed.
    assert setuptools.specifier.contains(version("setuptools")), (setuptools, version("setuptools"))
    test_extra = [Requirement(r) for r in project["project"]["optional-dependencies"]["test"]]
    assert next(r for r in test_extra if r.name == "setuptools").specifier == setuptools.specifier
    assert isinstance(project["project"]["license"], str)


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args[:4]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built from a copy of the sources and installed into a folder of its own."""
    work = tmp_path_factory.mktemp("install")
    src = work / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    target = work / "site"
    # --no-build-isolation: the build backend (setuptools, wheel) comes from this environment, so
    # nothing is downloaded; --no-index makes sure of it.
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "-q", "--target", str(target), str(src)],
        cwd=work,
        timeout=300,
    )  # fmt: skip
    return target


def test_every_template_and_static_file_is_installed(installed: Path) -> None:
    shipped = installed / "mediaserver" / "web"
    expected = sorted(
        p.relative_to(WEB)
        for folder in ("templates", "static")
        for p in (WEB / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert expected, "web/templates and web/static are empty?"
    missing = [str(rel) for rel in expected if not (shipped / rel).is_file()]
    assert missing == [], f"not in the installed mediaserver/web: {missing}"
    differ = [
        str(rel) for rel in expected if (shipped / rel).read_bytes() != (WEB / rel).read_bytes()
    ]
    assert differ == []


def test_every_module_and_migration_is_installed(installed: Path) -> None:
    # A folder without __init__.py imports fine from the checkout but is left out of the wheel.
    sources = REPO / "mediaserver"
    expected = sorted(
        p.relative_to(REPO)
        for p in sources.rglob("*")
        if p.is_file() and p.suffix in (".py", ".mako") and "__pycache__" not in p.parts
    )
    missing = [str(rel) for rel in expected if not (installed / rel).is_file()]
    assert missing == [], f"not installed: {missing}"


def test_the_installed_copy_alone_builds_the_app_and_serves_pages_and_static_files(
    installed: Path, tmp_path: Path
) -> None:
    script = tmp_path / "serve.py"
    script.write_text(SERVE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIASERVER_", "PYTHON"))}
    env["PYTHONPATH"] = str(installed)
    proc = _run([sys.executable, str(script), str(tmp_path)], cwd=tmp_path, env=env, timeout=120)
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    # Nothing came from the repository: every module of ours is the installed one.
    ours = [m for m in result["modules"] if "mediaserver" in Path(m).parts]
    assert ours and all(Path(m).is_relative_to(installed) for m in ours), ours
    from_checkout = [
        m
        for m in result["modules"]
        if Path(m).is_relative_to(REPO) and not Path(m).is_relative_to(sys.prefix)  # the venv
    ]
    assert from_checkout == []

    path, status, content_type, html = result["page"]
    assert (path, status, content_type) == ("/setup", 200, "text/html")  # a fresh server
    assert "<form" in html and "</html>" in html

    app_css = (WEB / "static" / "css" / "app.css").read_bytes()
    assert "?v=" in result["static_url"]  # hashed URL, computed from the installed file
    assert result["static"] == [200, app_css.hex()]
    assert result["plain"] == [200, app_css.hex()]
