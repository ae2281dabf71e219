"""A packaged ladder read back from disk (`bmff`, `renditions`) and described as HLS and DASH."""
