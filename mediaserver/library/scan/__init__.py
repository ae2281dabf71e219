"""Library scanning: walking the folders, reading names, NFO and side files, probing, writing the
catalog."""
