"""Video filters applied to decoded frames: upright, deinterlace, tone mapping, subtitle burn-in,
all built from constants through one chain helper (`chain`)."""
