"""Playback: the decision, signed media URLs, direct play, remux and on-the-fly HLS."""
