"""Uploads over tus 1.0: safe names and partial files (`files`), rows (`store`), the protocol
(`tus`), finishing and housekeeping (`finish`) and the HTTP endpoints (`routes`)."""
