"""Libraries and scanning: folders an admin adds, walked, probed, named and written to the catalog.

`libraries` holds the CRUD over library rows; `walker` lists files safely below the roots;
`scanner` decides what changed and `catalog_writer` writes titles, episodes and files; `watcher`
turns file-system events into scan jobs; `routes` are the admin pages and JSON API.
"""
