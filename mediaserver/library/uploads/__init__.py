"""Uploads over tus 1.0: safe names and partial files (`files`), rows (`store`), the protocol
(`tus`, and its HTTP headers in `tus_http`), finishing and housekeeping (`finish`, run from
`context`) and the HTTP endpoints (`routes`; the admin page is in library/admin/uploads.py)."""
