"""On-the-fly HLS: one session's PyAV work (`session.run_live`), its encoders, muxer, audio grid,
seeking, copied-packet timing and the fixed segment timelines the playlists promise."""
