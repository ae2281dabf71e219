"""The adaptive-bitrate ladder: rung plans (`rungs`), one decode feeding every rendition
(`pipeline`, `audio`), the segmenters, and `build.build_ladder` which ties them together."""
