"""`mediaserver serve | migrate | user | scan | config | setup-code`: the command line.

`parsers` defines every command and flag (argparse only, so `--help` and `--version` are quick);
`run` loads the settings, runs the command's module (`server`, `users`, `scan`, `config_check`,
`setup_code`) and turns errors into exit codes.
"""

from __future__ import annotations

import importlib

from mediaserver.cli.parsers import build_parser

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # --help and --version exit here
    # Loaded after parsing: the settings model and the database driver are not needed to print
    # the usage.
    return importlib.import_module("mediaserver.cli.run").run(args)
