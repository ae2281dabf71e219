// Player extras that do not drive playback: resume positions, QoE beacons, skip markers and the
// next-episode countdown, Chromecast and AirPlay. player.js creates them with the player state.
(function () {
  "use strict";
  const $ = window.MSPlayerUI.$;

  function post(url, csrf, method, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  // sendBeacon cannot set headers: the CSRF token goes in the form body (csrf_token).
  function beacon(url, csrf, fields) {
    const form = new URLSearchParams();
    form.set("csrf_token", csrf);
    Object.keys(fields).forEach((k) => fields[k] != null && form.set(k, String(fields[k])));
    return navigator.sendBeacon && navigator.sendBeacon(url, form);
  }

  // Resume: every 10 s while playing, on pause, when the tab is hidden and when it closes.
  function Progress(p) {
    this.p = p;
    this.lastSaved = null;
    this.url = "/api/v1/progress/" + p.cfg.media_file_id;
    setInterval(() => {
      if (!p.video.paused && p.started) this.save(false);
      else if (p.started && !p.casting && p.qoe && p.qoe.id != null) {
        // Paused: nothing to save, but the play is still open (Active streams lists it while
        // it reports). A bare heartbeat is queued by the server, never a write of its own.
        const position = Math.round(p.video.currentTime * 10) / 10;
        post("/api/v1/plays/" + p.qoe.id, p.csrf, "PUT", { position: position, paused: "true" }).catch(() => {});
      }
    }, 10000);
    p.video.addEventListener("pause", () => this.save(false));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.save(true);
    });
    window.addEventListener("pagehide", () => this.save(true));
  }
  Progress.prototype.save = function (useBeacon) {
    const p = this.p;
    if (!p.started || p.casting) return;
    const position = Math.round(p.video.currentTime * 10) / 10;
    if (position === this.lastSaved && !useBeacon) return;
    this.lastSaved = position;
    // The play id and paused state make this save a heartbeat of the play (analytics).
    const fields = {
      position: position,
      duration: p.duration() || null,
      paused: p.video.paused ? "true" : "false",
      play_id: p.qoe && p.qoe.id != null ? p.qoe.id : null,
    };
    if (useBeacon) beacon(this.url, p.csrf, fields);
    else return post(this.url, p.csrf, "PUT", fields).catch(() => {});
  };

  // Quality of experience for this play: first frame, rebuffers, rung switches, fatal errors.
  function Qoe(p) {
    this.p = p;
    this.id = null;
    this.t0 = 0; // page start (= the click on Play that opened it), or a click on our Play button
    this.ttff = null;
    this.rebuffers = 0;
    this.rebufferSeconds = 0;
    this.waitingSince = null;
    this.switches = 0;
    this.rungs = [];
    this.watched = 0;
    this.lastTime = null;
    this.fatal = null;
    this.nextMilestone = 60;
    const v = p.video;
    v.addEventListener("waiting", () => {
      if (this.ttff != null && !v.seeking && this.waitingSince == null) this.waitingSince = performance.now();
    });
    v.addEventListener("playing", () => this.endWait());
    v.addEventListener("seeking", () => (this.waitingSince = null));
    v.addEventListener("timeupdate", () => {
      const t = v.currentTime;
      if (this.lastTime != null && !v.paused && t > this.lastTime && t - this.lastTime < 2) {
        this.watched += t - this.lastTime;
      }
      this.lastTime = t;
      if (this.watched >= this.nextMilestone) {
        this.nextMilestone += 60;
        this.send(false);
      }
    });
    v.addEventListener("ended", () => this.send(false, true));
    window.addEventListener("pagehide", () => this.send(true, true));
  }
  Qoe.prototype.endWait = function () {
    if (this.waitingSince == null) return;
    this.rebuffers += 1;
    this.rebufferSeconds += (performance.now() - this.waitingSince) / 1000;
    this.waitingSince = null;
  };
  Qoe.prototype.firstFrame = function () {
    if (this.ttff != null) return;
    this.ttff = Math.max(0, Math.round(performance.now() - this.t0));
    this.send(false);
  };
  Qoe.prototype.rung = function (name, isSwitch) {
    if (isSwitch) this.switches += 1;
    if (name && this.rungs.indexOf(name) < 0) this.rungs.push(name);
  };
  Qoe.prototype.start = function (method) {
    const body = { media_file_id: this.p.cfg.media_file_id, method: method };
    return post("/api/v1/plays", this.p.csrf, "POST", body)
      .then((r) => (r.ok ? r.json() : null))
      .then((play) => {
        if (play) this.id = play.id;
        if (this.ttff != null || this.fatal) this.send(false);
      })
      .catch(() => {});
  };
  Qoe.prototype.report = function (ended) {
    return {
      time_to_first_frame_ms: this.ttff,
      rebuffer_count: this.rebuffers,
      rebuffer_seconds: Math.round(this.rebufferSeconds * 1000) / 1000,
      rung_switches: this.switches,
      seconds_watched: Math.round(this.watched * 10) / 10,
      fatal_error: this.fatal,
      ended: ended ? "true" : null,
      position: Math.round(this.p.video.currentTime * 10) / 10,
      paused: this.p.video.paused ? "true" : "false",
    };
  };
  Qoe.prototype.send = function (useBeacon, ended) {
    if (this.id == null) return;
    const url = "/api/v1/plays/" + this.id;
    const body = this.report(ended);
    if (useBeacon) {
      beacon(url, this.p.csrf, Object.assign(body, { rungs: this.rungs.join(",") }));
    } else {
      post(url, this.p.csrf, "PUT", Object.assign(body, { rungs: this.rungs })).catch(() => {});
    }
  };

  // Skip Intro / Skip Credits, and at the credits of an episode the next-episode countdown.
  function Markers(p) {
    this.p = p;
    this.markers = p.cfg.markers || {};
    this.next = p.cfg.next_episode;
    this.cancelled = false;
    this.timer = null;
    this.skip = $("skip");
    this.skip.addEventListener("click", () => {
      if (this.target != null) p.seek(this.target);
      this.skip.hidden = true;
    });
    $("next-now").addEventListener("click", () => this.go());
    $("next-cancel").addEventListener("click", () => this.cancel());
    p.video.addEventListener("ended", () => {
      if (this.next && !this.cancelled) this.countdown();
    });
  }
  Markers.prototype.update = function (t) {
    const intro = this.markers.intro;
    const credits = this.markers.credits;
    let label = null;
    if (intro && t >= intro.start && t < intro.end - 0.5) {
      label = "Skip Intro";
      this.target = intro.end;
    } else if (credits && t >= credits.start && t < credits.end - 0.5) {
      if (this.next && !this.cancelled) this.countdown();
      else if (!this.next) {
        label = "Skip Credits";
        this.target = credits.end;
      }
    }
    if (label) this.skip.textContent = label;
    this.skip.hidden = !label;
  };
  Markers.prototype.countdown = function () {
    if (this.timer || !this.next) return;
    let left = 10;
    const name = this.next.title && this.next.title !== this.next.label ? " · " + this.next.title : "";
    $("next-label").textContent = "Next episode";
    $("next-title").textContent = this.next.label + name;
    const tick = () => {
      $("next-count").textContent = "Starts in " + left + " s";
      if (left-- <= 0) this.go();
    };
    $("next").hidden = false;
    tick();
    this.timer = setInterval(tick, 1000);
  };
  Markers.prototype.cancel = function () {
    clearInterval(this.timer);
    this.timer = null;
    this.cancelled = true;
    $("next").hidden = true;
  };
  Markers.prototype.go = function () {
    clearInterval(this.timer);
    this.p.progress.save(true);
    location.href = this.next.url;
  };

  // Chromecast: the Cast sender only in Google Chrome (or Edge) and online, loaded after the
  // first frame so it never delays playback; a failed load just leaves the button hidden.
  function setupCast(p) {
    const brands = (navigator.userAgentData && navigator.userAgentData.brands) || [];
    const castable = brands.some((b) => b.brand === "Google Chrome" || b.brand === "Microsoft Edge");
    if (!window.chrome || !castable || !navigator.onLine) return;
    window.__onGCastApiAvailable = function (available) {
      if (!available || !window.cast || !window.cast.framework) return;
      const ctx = window.cast.framework.CastContext.getInstance();
      ctx.setOptions({
        receiverApplicationId: window.chrome.cast.media.DEFAULT_MEDIA_RECEIVER_APP_ID,
        autoJoinPolicy: window.chrome.cast.AutoJoinPolicy.ORIGIN_SCOPED,
      });
      const button = $("cast");
      button.hidden = false;
      button.addEventListener("click", () => castTo(p, ctx));
    };
    const script = document.createElement("script");
    script.src = "https://www.gstatic.com/cv/js/sender/v1/cast_sender.js?loadCastFramework=1";
    script.async = true;
    script.onerror = () => script.remove();
    document.head.appendChild(script);
  }

  function castTo(p, ctx) {
    const media = window.chrome.cast.media;
    ctx.requestSession()
      // The receiver cannot renew the player's short-lived token: it gets one of its own that
      // lasts the title (still refused within seconds if the rights change).
      .then(() => p.deviceUrl())
      .then((deviceUrl) => {
        const pb = p.playback;
        // The receiver fetches without our cookies: the absolute URL carries the signed token.
        const url = new URL(deviceUrl, location.href).href;
        const info = new media.MediaInfo(url, pb.type === "hls" ? "application/x-mpegurl" : pb.mime);
        if (pb.type === "hls") {
          info.hlsSegmentFormat = media.HlsSegmentFormat.FMP4;
          info.hlsVideoSegmentFormat = media.HlsVideoSegmentFormat.FMP4;
        }
        info.metadata = new media.GenericMediaMetadata();
        info.metadata.title = document.title;
        const request = new media.LoadRequest(info);
        request.currentTime = p.video.currentTime;
        request.autoplay = true;
        p.video.pause();
        p.casting = true;
        return ctx.getCurrentSession().loadMedia(request);
      })
      .catch(() => (p.casting = false));
  }

  // AirPlay: Safari offers it on the native-HLS video element.
  function setupAirPlay(p) {
    if (!window.WebKitPlaybackTargetAvailabilityEvent) return;
    const button = $("airplay");
    p.video.addEventListener("webkitplaybacktargetavailabilitychanged", (e) => {
      button.hidden = e.availability !== "available";
    });
    button.addEventListener("click", () => p.video.webkitShowPlaybackTargetPicker());
  }

  // When a movie ends (no next episode to count down to): Watch again, Back to browse, and a
  // few titles to watch next (GET /api/v1/watch-next/<file>). Titles are drawn as text.
  function PostPlay(p, hasNext) {
    this.p = p;
    this.box = $("postplay");
    this.loaded = false;
    $("watch-again").addEventListener("click", () => {
      this.hide();
      p.seek(0);
      p.video.play().catch(() => {});
    });
    p.video.addEventListener("ended", () => {
      if (!hasNext()) this.show();
    });
    p.video.addEventListener("play", () => this.hide());
    p.video.addEventListener("seeking", () => p.video.currentTime < p.duration() - 1 && this.hide());
  }
  PostPlay.prototype.show = function () {
    this.box.hidden = false;
    this.p.root.classList.add("ended");
    $("watch-again").focus({ preventScroll: true });
    if (!this.loaded) this.load();
  };
  PostPlay.prototype.hide = function () {
    this.box.hidden = true;
    this.p.root.classList.remove("ended");
  };
  PostPlay.prototype.load = function () {
    this.loaded = true;
    fetch("/api/v1/watch-next/" + this.p.cfg.media_file_id, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { titles: [] }))
      .then((body) => {
        const list = $("postplay-cards");
        list.textContent = "";
        body.titles.forEach((t) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.className = "p-pp-card";
          a.href = t.href;
          if (t.poster) {
            const img = document.createElement("img");
            img.src = t.poster;
            img.alt = "";
            img.width = 160;
            img.height = 240;
            a.appendChild(img);
          } else {
            const ph = document.createElement("span");
            ph.className = "p-pp-ph";
            ph.textContent = t.title;
            a.appendChild(ph);
          }
          const name = document.createElement("span");
          name.className = "p-pp-name";
          name.textContent = t.year ? t.title + " (" + t.year + ")" : t.title;
          a.appendChild(name);
          li.appendChild(a);
          list.appendChild(li);
        });
        $("postplay-next").hidden = body.titles.length === 0;
      })
      .catch(() => (this.loaded = false));
  };

  window.MSPlayerExtras = { Progress, Qoe, Markers, PostPlay, setupCast, setupAirPlay, post };
})();
