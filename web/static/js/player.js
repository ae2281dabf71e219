// The player: asks the server how to play (POST /api/v1/playback/<id>), then plays the packaged
// ladder or on-the-fly HLS through hls.js (MSE), natively where the browser plays HLS itself
// (Safari: AirPlay works there), or the file directly. Media URLs carry a short-lived token that
// the player renews as it plays (see "token renewal"). Controls: player-controls.js; resume,
// QoE, skip markers, Cast and AirPlay: player-extras.js.
(function () {
  "use strict";
  const UI = window.MSPlayerUI;
  const X = window.MSPlayerExtras;
  const Boot = window.MSPlayerBoot;
  const $ = UI.$;
  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const SIZES = { small: "Small", medium: "Medium", large: "Large", "x-large": "Extra large" };
  const BACKGROUNDS = { none: "None", shadow: "Shadow", translucent: "Translucent", opaque: "Opaque" };

  function start() {
    performance.mark("player-start");
    const cfg = JSON.parse($("player-config").textContent);
    const root = $("player");
    const video = $("video");
    const p = {
      cfg, video, root, csrf: root.dataset.csrf, playback: null, hls: null, started: false,
      casting: false, audio: null, burn: null, prefs: cfg.preferences, subtitle: null,
    };
    window.msPlayer = p; // for tests and the bench
    const timeline = new UI.Timeline(video);
    const cues = new UI.Cues($("cues"));
    p.duration = () => (p.playback && p.playback.duration_seconds) || video.duration || 0;
    p.seek = (t) => {
      video.currentTime = Math.max(0, Math.min(t, p.duration() - 0.1 || t));
    };
    timeline.onSeek = p.seek;
    p.progress = new X.Progress(p);
    p.qoe = new X.Qoe(p);
    const markers = new X.Markers(p);
    p.postPlay = new X.PostPlay(p, () => !!markers.next && !markers.cancelled);

    function setState(s) {
      root.dataset.state = s;
    }
    function message(text) {
      $("message").textContent = text;
      $("message").hidden = !text;
      if (text) $("bigplay").hidden = true;
    }

    // ----- preferences (volume, mute, speed, subtitles) -----
    let saveTimer = null;
    let pending = {};
    function savePrefs() {
      clearTimeout(saveTimer);
      if (!Object.keys(pending).length) return;
      const body = pending;
      pending = {};
      // keepalive (in X.post): the request survives the page being left.
      X.post("/api/v1/profile/player-preferences", p.csrf, "PUT", body).catch(() => {});
    }
    function remember(changes) {
      Object.assign(p.prefs, changes);
      Object.assign(pending, changes);
      clearTimeout(saveTimer);
      saveTimer = setTimeout(savePrefs, 400);
    }
    // A change made just before leaving is saved now, not lost with the page.
    window.addEventListener("pagehide", savePrefs);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") savePrefs();
    });
    video.volume = p.prefs.volume;
    video.muted = p.prefs.muted;
    // The default rate too: loading a source resets playbackRate to defaultPlaybackRate.
    video.defaultPlaybackRate = video.playbackRate = p.prefs.speed;

    // ----- menus -----
    const speedMenu = new UI.Menu($("speed-btn"), $("speed-menu"), (item) => {
      video.defaultPlaybackRate = video.playbackRate = item.value;
      remember({ speed: item.value });
      drawSpeed();
    });
    function drawSpeed() {
      $("speed-btn").textContent = video.playbackRate + "x";
      $("speed-btn").setAttribute("aria-label", "Speed " + video.playbackRate + "x");
      speedMenu.set(SPEEDS.map((s) => ({ label: s + "x", value: s, checked: s === video.playbackRate })));
    }
    video.addEventListener("ratechange", drawSpeed);
    drawSpeed();

    const qualityMenu = new UI.Menu($("quality-btn"), $("quality-menu"), (item) => {
      if (!p.hls) return;
      p.hls.currentLevel = item.value; // -1: Auto (ABR); otherwise pinned to that rung
      drawQuality();
    });
    function rungName(level) {
      const rungs = (p.playback && p.playback.rungs) || [];
      const byHeight = rungs.find((r) => r.height === level.height);
      return (byHeight && byHeight.name) || level.name || (level.height ? level.height + "p" : "");
    }
    function drawQuality() {
      const hls = p.hls;
      if (!hls || !hls.levels || hls.levels.length === 0) {
        $("quality-btn").hidden = true;
        return;
      }
      $("quality-btn").hidden = false;
      const items = [{ label: "Auto", value: -1, checked: hls.autoLevelEnabled }];
      hls.levels.forEach((level, i) => {
        items.push({ label: rungName(level), value: i, checked: !hls.autoLevelEnabled && hls.currentLevel === i });
      });
      qualityMenu.set(items);
    }
    function showRung(index, isSwitch) {
      const level = p.hls && p.hls.levels[index];
      if (!level) return;
      const name = rungName(level);
      $("quality-label").textContent = (p.hls.autoLevelEnabled ? "Auto · " : "") + name;
      root.dataset.rung = name;
      p.qoe.rung(name, isSwitch);
      drawQuality();
    }

    const subsMenu = new UI.Menu($("subs-btn"), $("subs-menu"), (item) => {
      if (item.section === "Size") {
        remember({ subtitle_size: item.value });
        cues.style(p.prefs.subtitle_size, p.prefs.subtitle_background);
      } else if (item.section === "Background") {
        remember({ subtitle_background: item.value });
        cues.style(p.prefs.subtitle_size, p.prefs.subtitle_background);
      } else if (item.burn != null) {
        p.burn = item.burn;
        reload(); // picture subtitles are burned into the picture by the server
      } else {
        chooseSubtitle(item.value, true);
        if (p.burn != null) {
          p.burn = null;
          reload();
        }
      }
      drawSubs();
    });
    function textTracks() {
      return Array.from(video.textTracks).filter((t) => t.kind === "subtitles" || t.kind === "captions");
    }
    function chooseSubtitle(track, save) {
      p.subtitle = track;
      if (track) p.lastSubtitleLanguage = track.language; // what `c` brings back
      cues.show(track);
      if (save) remember({ subtitle_language: track ? normLang(track.language) : null });
    }
    function normLang(lang) {
      return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(lang || "") ? lang : null;
    }
    function drawSubs() {
      const items = [{ label: "Off", value: null, checked: !p.subtitle && p.burn == null }];
      textTracks().forEach((t) => items.push({ label: t.label || t.language || "Subtitles", value: t, checked: p.subtitle === t }));
      ((p.playback && p.playback.subtitles) || []).forEach((s) => {
        if (s.burn_in_only) items.push({ label: (s.name || s.language || "Subtitles") + " (burned in)", burn: s.id, checked: p.burn === s.id });
      });
      Object.keys(SIZES).forEach((k) => items.push({ section: "Size", label: SIZES[k], value: k, checked: p.prefs.subtitle_size === k }));
      Object.keys(BACKGROUNDS).forEach((k) => items.push({ section: "Background", label: BACKGROUNDS[k], value: k, checked: p.prefs.subtitle_background === k }));
      // Size and background alone are no reason to show the menu.
      $("subs-btn").hidden = !items.some((i) => !i.section && i.value !== null);
      subsMenu.set(items);
    }

    const audioMenu = new UI.Menu($("audio-btn"), $("audio-menu"), (item) => {
      remember({ audio_language: normLang(item.language) });
      if (p.hls && p.hls.audioTracks && p.hls.audioTracks.length > 1 && p.playback.method === "ladder") {
        p.hls.audioTrack = item.value;
      } else {
        p.audio = item.value; // on the fly: ask again for this track and continue where we are
        reload();
      }
      drawAudio(item.value);
    });
    function drawAudio(current) {
      let tracks;
      if (p.hls && p.playback.method === "ladder" && p.hls.audioTracks && p.hls.audioTracks.length) {
        tracks = p.hls.audioTracks.map((t, i) => ({ label: t.name || t.lang || "Track " + (i + 1), value: i, language: t.lang, checked: i === p.hls.audioTrack }));
      } else {
        tracks = ((p.playback && p.playback.audio) || []).map((a) => ({
          label: a.name || a.language || "Track " + a.index, value: a.index, language: a.language,
          checked: current != null ? a.index === current : p.audio != null ? a.index === p.audio : a.default,
        }));
      }
      $("audio-btn").hidden = tracks.length < 2;
      audioMenu.set(tracks);
    }

    // ----- token renewal -----
    // Every media URL of a play carries its signed token (/media/t/<token>/...), which works
    // for streaming.token_ttl_seconds. Halfway through, the player swaps it for a fresh one of
    // the same play (POST .../renew, rights checked again): hls.js sends every later request
    // with the current token (xhrSetup), so packaged and on-the-fly HLS play on untouched; a
    // file or native HLS source is reloaded where it is. If renewal is refused (the account,
    // profile or title changed) or a segment is refused (401/403), the player asks for
    // playback again, which plays on or says why it cannot.
    const TOKEN_IN_URL = /\/media\/t\/([^/]+)\//;
    let renewTimer = null;
    p.token = null;
    p.clockSkew = 0; // server clock minus ours, in seconds, from the Date of its answers
    p.withToken = (url) => (url && p.token ? url.replace(TOKEN_IN_URL, "/media/t/" + p.token + "/") : url);
    function noteServerTime(r) {
      const date = Date.parse(r.headers.get("Date") || "");
      if (!isNaN(date)) p.clockSkew = (date - Date.now()) / 1000;
    }
    function scheduleRenewal(expiresAt) {
      clearTimeout(renewTimer);
      const left = expiresAt - (Date.now() / 1000 + p.clockSkew);
      renewTimer = setTimeout(p.renew, Math.max(5, left / 2) * 1000);
    }
    function swapTokens(pb) {
      pb.url = p.withToken(pb.url);
      if (pb.poster) pb.poster = p.withToken(pb.poster);
      if (pb.trickplay) pb.trickplay.vtt = p.withToken(pb.trickplay.vtt);
      (pb.subtitles || []).forEach((s) => (s.url = p.withToken(s.url)));
      (timeline.thumbs || []).forEach((c) => (c.url = p.withToken(c.url)));
    }
    function reloadSource(pb) {
      // A file or native HLS: the element fetches by itself, so it gets the new URL where it is.
      const at = video.currentTime;
      const playing = !video.paused;
      video.src = pb.url;
      video.addEventListener("loadedmetadata", () => {
        video.currentTime = at;
        if (playing) tryPlay();
      }, { once: true });
    }
    p.renew = async function () {
      const pb = p.playback;
      if (!pb || !p.token) return false;
      let r;
      try {
        r = await X.post("/api/v1/playback/" + pb.media_file_id + "/renew", p.csrf, "POST", { token: p.token });
      } catch (e) {
        renewTimer = setTimeout(p.renew, 10000); // offline for now: try again
        return false;
      }
      if (p.playback !== pb) return false; // a new source was loaded meanwhile
      if (!r.ok) {
        reload(); // refused: ask for playback again, which says why when it cannot
        return false;
      }
      noteServerTime(r);
      const renewed = await r.json();
      p.token = renewed.token;
      pb.expires_at = renewed.expires_at;
      swapTokens(pb);
      if (!p.hls && !p.casting) reloadSource(pb);
      scheduleRenewal(renewed.expires_at);
      return true;
    };
    // A device that cannot renew (Chromecast) gets a token of its own that lasts the title.
    p.deviceUrl = async function () {
      const pb = p.playback;
      const r = await X.post("/api/v1/playback/" + pb.media_file_id + "/renew", p.csrf, "POST", { token: p.token, for_device: true });
      if (!r.ok) throw new Error("renewal refused");
      const token = (await r.json()).token;
      return pb.url.replace(TOKEN_IN_URL, "/media/t/" + token + "/");
    };

    // ----- loading a source -----
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

    async function requestPlayback(at) {
      const extra = {};
      if (p.audio != null) extra.audio = p.audio;
      if (p.burn != null) extra.subtitle_burn = p.burn;
      // The first request was sent by player-boot.js while these scripts were downloading.
      let early = Boot.takeFirst(at, extra);
      for (;;) {
        const r = await (early || Boot.request(at, extra));
        early = null;
        if (r.ok) {
          noteServerTime(r);
          return r.json();
        }
        let detail = "";
        let manage = "";
        try {
          const problem = await r.json();
          detail = problem.detail || "";
          manage = problem.manage || "";
        } catch (e) { /* not JSON */ }
        // Too many devices streaming: the page listing them, with a Stop button each.
        if (r.status === 403 && manage.startsWith("/my-streams")) location.href = manage;
        if (r.status === 503) {
          let wait = Math.min(60, Math.max(1, parseInt(r.headers.get("Retry-After"), 10) || 5));
          while (wait > 0) {
            message("The server is busy right now. Trying again in " + wait + " s…");
            await sleep(1000);
            wait -= 1;
          }
          message("");
          continue;
        }
        if (r.status === 401) {
          location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
        }
        if (r.status === 403) throw new Error(detail || "This title is not available to this profile.");
        if (r.status === 404) throw new Error("This title is not available (it may have been removed).");
        throw new Error("This video cannot be played here" + (detail ? ": " + detail : "."));
      }
    }

    function setTracks(subtitles) {
      Array.from(video.querySelectorAll("track")).forEach((t) => t.remove());
      (subtitles || []).forEach((s) => {
        if (s.burn_in_only || !s.url) return;
        const track = document.createElement("track");
        track.kind = "subtitles";
        track.src = s.url;
        track.srclang = s.language || "und";
        track.label = s.name || s.language || "Subtitles";
        video.appendChild(track);
      });
      textTracks().forEach((t) => (t.mode = "disabled"));
    }

    function attach(pb, at, resume) {
      if (p.hls) { p.hls.destroy(); p.hls = null; }
      video.removeAttribute("src");
      setTracks(pb.subtitles);
      const Hls = window.Hls;
      if (pb.type === "hls" && Hls && Hls.isSupported()) {
        const config = {
          enableWorker: false, // the CSP allows no blob: workers
          enableWebVTT: false, // subtitles are the API's WebVTT <track>s
          startPosition: at,
          maxBufferLength: 30,
          // Every playlist and segment request goes out with the play's current token.
          xhrSetup: (xhr, url) => xhr.open("GET", p.withToken(url), true),
        };
        if (pb.method !== "ladder") {
          // On the fly the server answers a segment once it is encoded: wait longer for the
          // first byte instead of abandoning (and re-requesting) a segment being made.
          const slow = { maxTimeToFirstByteMs: 30000, maxLoadTimeMs: 120000 };
          const retry = { maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 4000 };
          config.fragLoadPolicy = { default: Object.assign(slow, { timeoutRetry: retry, errorRetry: retry }) };
        }
        const hls = new Hls(config);
        p.hls = hls;
        video.hls = hls;
        let lastLevel = null;
        hls.on(Hls.Events.MANIFEST_PARSED, () => { drawQuality(); drawAudio(); });
        hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => {
          const want = p.prefs.audio_language;
          const i = want ? hls.audioTracks.findIndex((t) => t.lang === want) : -1;
          if (i >= 0 && i !== hls.audioTrack) hls.audioTrack = i;
          drawAudio();
        });
        hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, () => drawAudio());
        hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
          showRung(data.level, lastLevel != null && lastLevel !== data.level);
          lastLevel = data.level;
        });
        let networkRetries = 0;
        hls.on(Hls.Events.ERROR, (_e, data) => {
          if (!data.fatal) return;
          const code = data.response && data.response.code;
          if (data.type === Hls.ErrorTypes.NETWORK_ERROR && [401, 403, 404].indexOf(code) >= 0) {
            reload(); // token expired or the ladder was re-packaged: fresh URLs, same position
          } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries++ < 5) {
            message("Network trouble; retrying…");
            setTimeout(() => { message(""); hls.startLoad(); }, 1000 * networkRetries);
          } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
            hls.recoverMediaError();
          } else {
            fail("This video cannot be played here (" + data.details + ").");
          }
        });
        hls.loadSource(pb.url);
        hls.attachMedia(video);
        performance.mark("hls-attached");
      } else if (pb.type === "hls" && !video.canPlayType("application/vnd.apple.mpegurl")) {
        fail("This browser cannot play adaptive video.");
        return;
      } else {
        video.src = pb.url; // native HLS (Safari) or the file itself
        video.addEventListener("loadedmetadata", () => at > 0 && (video.currentTime = at), { once: true });
        drawQuality();
        drawAudio();
      }
      timeline.setDuration(pb.duration_seconds || 0);
      timeline.setChapters(pb.chapters);
      // Thumbnails and the poster wait: the first frame's requests go first.
      p.afterFirstFrame(() => timeline.loadThumbnails(pb.trickplay && pb.trickplay.vtt));
      drawSubs();
      pickPreferredSubtitle();
      if (resume) tryPlay();
    }

    function pickPreferredSubtitle() {
      const want = p.prefs.subtitle_language;
      const keep = p.subtitle && p.subtitle.language;
      const lang = keep || want;
      const track = lang ? textTracks().find((t) => t.language === lang) : null;
      chooseSubtitle(track || null, false);
      drawSubs();
    }

    function fail(text) {
      if (p.qoe.id == null && p.playback) p.qoe.start(p.playback.method);
      setState("error");
      message(text);
      p.qoe.fatal = text;
      p.qoe.send(false);
    }

    async function load(at, resume) {
      setState("loading");
      clearTimeout(renewTimer);
      let pb;
      try {
        pb = await requestPlayback(at);
      } catch (e) {
        fail(e.message || "This video cannot be played here.");
        return;
      }
      const first = p.playback == null;
      performance.mark("playback-answer");
      p.playback = pb;
      const found = TOKEN_IN_URL.exec(pb.url);
      p.token = found ? found[1] : null;
      scheduleRenewal(pb.expires_at);
      attach(pb, at, resume);
      if (first) {
        p.afterFirstFrame(() => p.qoe.start(pb.method));
        // On the fly, the preferred audio language may need a second request for that track.
        const want = p.prefs.audio_language;
        const match = want && pb.method !== "ladder" && (pb.audio || []).find((a) => a.language === want);
        if (match && !match.default && p.audio == null) {
          p.audio = match.index;
          return load(at, true);
        }
      }
    }

    function reload() {
      const at = video.currentTime || cfg.start;
      const playing = !video.paused || !p.started;
      load(at, playing);
    }

    function tryPlay() {
      const promise = video.play();
      if (promise && promise.catch) {
        promise.catch((err) => {
          if (err && err.name === "NotAllowedError") {
            // Autoplay with sound was refused: wait for a click (that starts the clock again).
            setState("ready");
            $("bigplay").hidden = false;
            if (p.playback && p.playback.poster) video.poster = p.playback.poster;
          }
        });
      }
    }

    function setIcon(button, name) {
      $(button).querySelector("use").setAttribute("href", "#i-" + name);
    }

    // ----- events -----
    const waiting = [];
    p.afterFirstFrame = (fn) => (p.started ? fn() : waiting.push(fn));
    function firstFrame() {
      if (p.started) return;
      p.started = true;
      p.qoe.firstFrame();
      setState("playing");
      setTimeout(() => {
        waiting.splice(0).forEach((fn) => fn());
        X.setupCast(p);
      }, 0);
    }
    video.addEventListener("playing", () => {
      $("bigplay").hidden = true;
      setState("playing");
      if (p.started) return;
      if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(firstFrame);
      else if (video.currentTime > 0) firstFrame();
    });
    video.addEventListener("timeupdate", () => {
      if (!p.started && video.currentTime > 0 && !video.paused) firstFrame();
      const t = video.currentTime;
      timeline.update(t);
      $("time").textContent = UI.formatTime(t) + " / " + UI.formatTime(p.duration());
      markers.update(t);
    });
    video.addEventListener("durationchange", () => {
      if (!(p.playback && p.playback.duration_seconds)) timeline.setDuration(video.duration);
    });
    video.addEventListener("progress", () => timeline.update(video.currentTime));
    video.addEventListener("waiting", () => setState(p.started ? "buffering" : "loading"));
    video.addEventListener("pause", () => { setIcon("play", "play"); $("play").setAttribute("aria-label", "Play"); root.classList.remove("idle"); });
    video.addEventListener("play", () => { setIcon("play", "pause"); $("play").setAttribute("aria-label", "Pause"); });
    video.addEventListener("volumechange", () => {
      $("volume").value = String(video.muted ? 0 : video.volume);
      $("mute").setAttribute("aria-label", video.muted ? "Unmute" : "Mute");
      setIcon("mute", video.muted || video.volume === 0 ? "muted" : "volume");
      remember({ volume: Math.round(video.volume * 100) / 100, muted: video.muted });
    });
    video.addEventListener("error", () => {
      const code = video.error && video.error.code;
      if (p.playback && p.playback.type === "file" && code === 2) reload(); // network: new token
      else if (!p.hls) fail("This video cannot be played here.");
    });
    $("volume").value = String(video.muted ? 0 : video.volume);

    // ----- controls -----
    const toggle = () => (video.paused ? (p.started ? video.play() : userPlay()) : video.pause());
    function userPlay() {
      if (!p.started) p.qoe.t0 = performance.now();
      $("bigplay").hidden = true;
      video.play().catch(() => {});
    }
    $("bigplay").addEventListener("click", userPlay);
    $("play").addEventListener("click", toggle);
    // Clicks and taps on the video (player-touch.js): a tap shows or hides the controls.
    window.MSPlayerTouch.bind(p, {
      toggle: toggle,
      show: () => poke(),
      hide: () => {
        clearTimeout(idleTimer);
        root.classList.add("idle");
      },
    });
    $("back10").addEventListener("click", () => p.seek(video.currentTime - 10));
    $("fwd10").addEventListener("click", () => p.seek(video.currentTime + 10));
    $("mute").addEventListener("click", () => (video.muted = !video.muted));
    $("volume").addEventListener("input", () => {
      video.volume = parseFloat($("volume").value);
      video.muted = video.volume === 0;
    });
    const fullscreen = () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (root.requestFullscreen) root.requestFullscreen().catch(() => {});
      else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen();
    };
    $("fullscreen").addEventListener("click", fullscreen);
    if (document.pictureInPictureEnabled && video.requestPictureInPicture) {
      $("pip").hidden = false;
      $("pip").addEventListener("click", () => {
        (document.pictureInPictureElement ? document.exitPictureInPicture() : video.requestPictureInPicture()).catch(() => {});
      });
    }
    X.setupAirPlay(p);

    let idleTimer = null;
    function poke() {
      root.classList.remove("idle");
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => !video.paused && root.classList.add("idle"), 3000);
    }
    // A real mouse only: a tap also fires a compatibility mousemove, which would undo "tap hides".
    root.addEventListener("pointermove", (e) => e.pointerType === "mouse" && poke());
    // Back saves the position first, so the title page it opens shows where we stopped.
    const backLink = root.querySelector(".p-back");
    backLink.addEventListener("click", (e) => {
      if (!p.started || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      Promise.race([p.progress.save(false), sleep(1500)]).then(() => location.assign(backLink.href));
    });
    root.addEventListener("focusin", poke);
    UI.bindKeys({
      toggle: toggle,
      skip: (s) => p.seek(video.currentTime + s),
      volume: (d) => { video.muted = false; video.volume = Math.max(0, Math.min(1, video.volume + d)); },
      fullscreen: fullscreen,
      mute: () => (video.muted = !video.muted),
      captions: () => {
        const tracks = textTracks();
        const wanted = p.lastSubtitleLanguage || p.prefs.subtitle_language;
        if (p.subtitle) chooseSubtitle(null, true);
        else if (tracks.length) chooseSubtitle(tracks.find((t) => t.language === wanted) || tracks[0], true);
        drawSubs();
      },
      poke: poke,
    });

    cues.style(p.prefs.subtitle_size, p.prefs.subtitle_background);
    load(cfg.start || 0, true);
  }

  // A pre-roll clip (player-preroll.js), when the account has one, plays before the title.
  function begin() {
    const preroll = window.MSPreroll && window.MSPreroll.done;
    if (preroll) preroll.then(start, start);
    else start();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", begin);
  else begin();
})();
