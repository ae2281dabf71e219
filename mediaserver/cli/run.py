"""Running one parsed command: settings from its flags, its module, and errors as exit codes."""

from __future__ import annotations

import argparse
import importlib
import sys

from mediaserver.cli.common import old_default_warning, paths_line, settings_from_args
from mediaserver.cli.parsers import COMMAND_MODULES
from mediaserver.config import ConfigError
from mediaserver.db.engine import DatabaseUnavailable
from mediaserver.errors import DomainError

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        if args.command != "serve":  # the server logs it, in the log's format
            print(f"mediaserver: {paths_line(settings, args)}", file=sys.stderr)
            warning = old_default_warning(settings)
            if warning:
                print(f"mediaserver: warning: {warning}", file=sys.stderr)
        # By name, so a command loads only what it needs: `config check` never loads PyAV or
        # the web application.
        command = importlib.import_module(f"mediaserver.cli.{COMMAND_MODULES[args.command]}")
        return command.run(args, settings)
    except ConfigError as exc:
        print(f"mediaserver: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseUnavailable as exc:
        print(f"mediaserver: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except DomainError as exc:
        print(f"mediaserver: {exc.detail}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(
            f"mediaserver: {exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
