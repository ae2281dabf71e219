"""The library's admin pages under /admin/: libraries, titles and uploads (their templates are in
web/templates/library/ and web/templates/admin/uploads.html, sharing the admin layout)."""

from mediaserver.library.admin.libraries import routes as library_pages
from mediaserver.library.admin.titles import routes as title_pages
from mediaserver.library.admin.uploads import routes as upload_pages

routes = [*upload_pages, *library_pages, *title_pages]
