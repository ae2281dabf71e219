"""The image's HEALTHCHECK: GET /health at the address and port the configuration names.

Reads the same settings as the server (/config/config.toml, the environment), so a port changed
in the file is the port asked; exits 1 when the server does not answer 200 within 4 seconds.
"""

from __future__ import annotations

import sys
import urllib.request

from mediaserver.config import ConfigError
from mediaserver.config_loading import load_settings


def main() -> int:
    try:
        server = load_settings().server
    except ConfigError as exc:
        print(f"health check: configuration error: {exc}", file=sys.stderr)
        return 1
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "") else server.host
    if ":" in host:
        host = f"[{host}]"
    try:
        with urllib.request.urlopen(f"http://{host}:{server.port}/health", timeout=4) as resp:
            return 0 if resp.status == 200 else 1
    except OSError as exc:
        print(f"health check failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
