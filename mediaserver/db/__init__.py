"""Database: engine for SQLite or PostgreSQL, schema, migrations."""
