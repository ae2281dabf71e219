"""How a handler says its job failed for good: `PermanentJobError`.

A job that fails with anything else is tried again later, each wait twice the one before (see
`queue.fail`): what failed may come back (a full disk, a database or storage out of reach). A
failure that would only repeat itself (damaged or truncated media, an unsupported codec, invalid
input) is a `PermanentJobError`: the job fails at once with its message, which people read, and
the log gets one line instead of a traceback, since nothing in the code went wrong.
"""

from __future__ import annotations


class PermanentJobError(Exception):
    """The job cannot succeed however often it runs; the message says why, for people."""
