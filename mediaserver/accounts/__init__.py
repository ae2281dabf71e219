"""Users, profiles, device sessions, API keys, permissions."""
