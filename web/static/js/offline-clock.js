/* The clock a saved title's check-in is judged by while offline, shared by the offline service
 * worker (importScripts) and the pages (a <script>): setting the device's clock back must not
 * give a saved title more time.
 *
 * At each check-in the worker records the server's time and the device's clock at that moment.
 * Offline, "now" is the device's clock moved onto the server's (by the difference seen at the
 * check-in), never less than the highest such time seen since: a clock set back does not turn
 * time back. A clock set back to before the last check-in (by more than SKEW, for ordinary
 * corrections) makes every saved title count as overdue until the next check-in online.
 */
(function (scope) {
  "use strict";

  const MEDIA = "offline-media-v1";
  const KEY = "/offline/clock"; // beside the saved titles, not named like one (*.json)
  const SKEW = 300;

  async function read(cache) {
    const found = await cache.match(KEY);
    return found ? found.json() : null;
  }

  async function write(cache, clock) {
    await cache.put(KEY, new Response(JSON.stringify(clock), {
      headers: { "Content-Type": "application/json" },
    }));
  }

  /* A check-in answered at serverTime (seconds): the server's time is the reference again. */
  async function checkedIn(serverTime) {
    const cache = await caches.open(MEDIA);
    const local = Date.now() / 1000;
    await write(cache, { offset: serverTime - local, local_at: local, high: serverTime });
  }

  /* { now, back }: the time to judge expiry by, and whether the clock went back past the last
   * check-in. Without a check-in recorded yet, the device's clock. */
  async function now() {
    const cache = await caches.open(MEDIA);
    const local = Date.now() / 1000;
    const clock = await read(cache);
    if (!clock) return { now: local, back: false };
    const estimate = local + clock.offset;
    if (estimate > clock.high) {
      clock.high = estimate;
      await write(cache, clock);
    }
    return { now: Math.max(estimate, clock.high), back: local < clock.local_at - SKEW };
  }

  function expired(entry, clock) {
    return clock.back || entry.expires_at <= clock.now;
  }

  function reason(clock) {
    return clock.back
      ? "This device's clock was set back to before the last check-in: go online to check in."
      : "This saved title must check in online before it plays again.";
  }

  scope.MSOfflineClock = { checkedIn, now, expired, reason, SKEW };
})(self);
