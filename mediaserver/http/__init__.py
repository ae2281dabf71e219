"""Cross-cutting web plumbing: one setup_<concern>(app) or middleware per module."""
