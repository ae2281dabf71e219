"""A self-hosted media server."""

__version__ = "0.1.0"
