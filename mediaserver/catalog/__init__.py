"""Titles, series, search, rows, My List, history, progress."""
