"""The README as a newcomer reads it: every command is listed, and its tables render."""

from __future__ import annotations

import re
from pathlib import Path

from mediaserver.cli import build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_every_cli_command_is_in_the_command_line_section() -> None:
    listed = _section("Command line").splitlines()
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, parser in commands.items():
        lines = " ".join(line for line in listed if line.startswith(f"mediaserver {name} "))
        assert lines, f"`mediaserver {name}` is not in the README's command list"
        for action in parser._subparsers._group_actions[0].choices if parser._subparsers else ():
            assert re.search(rf"\b{action}\b", lines), f"`mediaserver {name} {action}` is missing"


def test_the_container_section_says_how_to_run_the_cli_inside() -> None:
    container = _section("Container")
    assert re.search(r"docker exec \S+ \S+ mediaserver user add", container)


def test_tables_have_no_blank_line_inside() -> None:
    # A blank line ends a Markdown table: rows after it, with no header of their own, render as
    # a paragraph of pipes.
    lines = README.splitlines()
    for i in range(1, len(lines) - 2):
        if lines[i].strip() or not lines[i - 1].startswith("|") or not lines[i + 1].startswith("|"):
            continue
        header_rule = re.match(r"^\|[-| :]+\|$", lines[i + 2])
        assert header_rule, f"README line {i + 1}: a blank line inside a table"
