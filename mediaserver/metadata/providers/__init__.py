"""Built-in metadata providers (TMDB, TVmaze) and the protocol plugins' providers follow."""
