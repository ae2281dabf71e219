"""Packaging: every source becomes an adaptive-bitrate ladder (HLS + DASH from one set of CMAF
segments), WebVTT subtitles, poster candidates and trickplay sheets, published in one step.

`jobs` runs the "media.package" job (the blocking half is in `work`, the queries in `store`);
`paths` names what a ladder may contain; `routes` serves published ladders and the watch page;
`admin_routes` the admin packaging page; `hwaccel` the start-up hardware encoder detection.
"""
