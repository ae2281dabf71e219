"""One thread per video rung, feeding the rung's encoder and segmenter (`EncoderThread`), so the
rungs encode in parallel while the pipeline decodes and scales."""

from __future__ import annotations

import queue
import threading

import av

from mediaserver.media.ladder.segmenter import VideoRung

_STOP = object()
QUEUE_DEPTH = 6  # frames waiting per rung: enough to ride out jitter, little memory
WAIT_SECONDS = 0.5


class EncoderThread:
    """Feeds one rung's encoder and segmenter from its own thread, so that every rung encodes
    (and muxes) in parallel while the main thread decodes and scales. PyAV releases the GIL in
    avcodec_send_frame/receive_packet and in muxing, so these threads really run at once.

    No way to hang: the producer waits with a timeout and checks that this thread is alive and
    has not failed; after an error or `abort()` this thread drains and discards its queue until
    it sees the stop mark. Only `close()` (from the producer, after `stop()`) touches the muxer
    outside this thread, once it has ended."""

    def __init__(self, rung: VideoRung) -> None:
        self.rung = rung
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.error: BaseException | None = None
        self.aborted = False
        self.thread = threading.Thread(
            target=self._run, name=f"ladder-{rung.plan.name}", daemon=True
        )
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                item = self.queue.get(timeout=60)
            except queue.Empty:
                if self.aborted:
                    return
                continue
            if item is _STOP:
                return
            if self.error is not None or self.aborted:
                continue
            try:
                self.rung.encode(item)
            except BaseException as exc:  # handed to the producer by put()/stop()
                self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, frame: av.VideoFrame) -> None:
        while True:
            self._raise()
            try:
                self.queue.put(frame, timeout=WAIT_SECONDS)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise RuntimeError(f"the {self.rung.plan.name} encoder stopped") from None

    def abort(self) -> None:
        self.aborted = True

    def stop(self) -> None:
        """Let the queued frames finish (unless aborted) and end the thread."""
        while self.thread.is_alive():
            try:
                self.queue.put(_STOP, timeout=WAIT_SECONDS)
                break
            except queue.Full:
                continue
        self.thread.join()

    def close(self, flush: bool) -> None:
        self.stop()
        try:
            if flush:
                self._raise()
        finally:
            self.rung.close(flush and self.error is None)
