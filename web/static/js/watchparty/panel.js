// The room panel beside the player: members and their states, chat, reactions that float over
// the video, invites, and the host's controls. Everything members typed (names, chat) goes in
// with textContent, never as HTML.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const STATES = {
    watching: "Watching", paused: "Paused", buffering: "Buffering", away: "Away",
    disconnected: "Disconnected",
  };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function clock(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  // room: {send(msg), api(method, path, body) -> Promise<Response>}
  function Panel(room) {
    this.room = room;
    this.me = null;
    this.members = [];
    this.state = null;
    this.errorTimer = null;
    this.endArmed = false;
    document.body.classList.add("in-room");
    $("wp-chat-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("wp-chat-text");
      const text = input.value.trim();
      if (!text) return;
      if (room.send({ type: "chat", text: text.slice(0, 500) })) input.value = "";
    });
    $("wp-reactions").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-emoji]");
      if (b) room.send({ type: "reaction", emoji: b.dataset.emoji });
    });
    $("wp-invite").addEventListener("click", () => this.invite(false));
    $("wp-invite-once").addEventListener("click", () => this.invite(true));
    $("wp-control").addEventListener("change", () => {
      room.send({ type: "settings", control: $("wp-control").value, buffer_wait_seconds: this.state ? this.state.buffer_wait_seconds : 5 });
    });
    $("wp-end").addEventListener("click", () => {
      if (!this.endArmed) {
        this.endArmed = true;
        $("wp-end").textContent = "Click again to end the room";
        setTimeout(() => { this.endArmed = false; $("wp-end").textContent = "End room"; }, 4000);
        return;
      }
      room.send({ type: "end" });
    });
  }

  Panel.prototype.isHost = function () {
    const me = this.members.find((m) => m.id === this.me);
    return !!(me && me.is_host);
  };

  Panel.prototype.connection = function (text, ok) {
    const line = $("wp-status");
    line.textContent = text;
    line.dataset.ok = ok ? "true" : "false";
  };

  Panel.prototype.error = function (text) {
    const box = $("wp-error");
    box.textContent = text;
    box.hidden = !text;
    clearTimeout(this.errorTimer);
    if (text) this.errorTimer = setTimeout(() => (box.hidden = true), 6000);
  };

  // The end of the room for us: a notice over the player, the panel goes quiet.
  Panel.prototype.over = function (text) {
    const msg = $("message");
    msg.textContent = text;
    msg.hidden = false;
    $("bigplay").hidden = true;
    this.connection(text, false);
    document.body.classList.add("room-over");
    $("wp-chat-text").disabled = true;
  };

  Panel.prototype.setRoom = function (state) {
    this.state = state;
    const host = this.members.find((m) => m.id === state.host_member_id);
    const who = state.control === "host" ? "Only " + (host ? host.profile_name : "the host") + " controls playback" : "Everyone controls playback";
    $("wp-mode").textContent = who;
    $("wp-control").value = state.control;
    const waiting = (state.waiting_for || []).map((id) => {
      const m = this.members.find((x) => x.id === id);
      return m ? m.profile_name : "someone";
    });
    $("wp-waiting").textContent = waiting.length ? "Waiting for " + waiting.join(", ") + "…" : "";
    $("wp-waiting").hidden = !waiting.length;
    this.drawHost();
  };

  Panel.prototype.setMembers = function (members) {
    this.members = members;
    const list = $("wp-members");
    list.textContent = "";
    members.forEach((m) => list.appendChild(this.memberRow(m)));
    $("wp-count").textContent = String(members.filter((m) => m.state !== "disconnected").length);
    this.drawHost();
    if (this.state) this.setRoom(this.state);
  };

  Panel.prototype.memberRow = function (m) {
    const li = el("li", "wp-member");
    li.dataset.state = m.state;
    li.dataset.memberId = String(m.id);
    const avatar = el("span", "avatar small avatar-" + (/^[a-z]+$/.test(m.avatar || "") ? m.avatar : "blue"), (m.profile_name || "?").slice(0, 1).toUpperCase());
    avatar.setAttribute("aria-hidden", "true");
    li.appendChild(avatar);
    const name = el("span", "wp-name", m.profile_name + (m.id === this.me ? " (you)" : ""));
    li.appendChild(name);
    if (m.is_host) li.appendChild(el("span", "wp-badge wp-host", "Host"));
    if (m.muted) li.appendChild(el("span", "wp-badge wp-muted", "Muted"));
    li.appendChild(el("span", "wp-state wp-state-" + m.state, STATES[m.state] || m.state));
    if (this.isHost() && m.id !== this.me && m.state !== "disconnected") {
      const tools = el("span", "wp-tools");
      const add = (label, msg) => {
        const b = el("button", "wp-tool", label);
        b.type = "button";
        b.addEventListener("click", () => this.room.send(msg));
        tools.appendChild(b);
      };
      add("Make host", { type: "host", member_id: m.id });
      add(m.muted ? "Unmute" : "Mute", { type: "mute", member_id: m.id, muted: !m.muted });
      add("Remove", { type: "remove", member_id: m.id });
      li.appendChild(tools);
    }
    return li;
  };

  Panel.prototype.drawHost = function () {
    $("wp-host").hidden = !this.isHost();
    const me = this.members.find((m) => m.id === this.me);
    const muted = !!(me && me.muted);
    $("wp-chat-text").disabled = muted || document.body.classList.contains("room-over");
    $("wp-chat-text").placeholder = muted ? "The host muted you" : "Say something";
  };

  Panel.prototype.chat = function (msg) {
    const log = $("wp-chat");
    const item = el("li", "wp-line");
    item.appendChild(el("time", "wp-at", clock(msg.at)));
    item.appendChild(el("strong", "wp-who", msg.profile_name));
    item.appendChild(el("span", "wp-text", msg.text));
    log.appendChild(item);
    while (log.children.length > 200) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  };

  // A reaction rises over the video for a few seconds, then goes.
  Panel.prototype.reaction = function (msg) {
    const layer = $("wp-floats");
    const bubble = el("span", "wp-float");
    bubble.appendChild(el("span", "wp-emoji", msg.emoji));
    bubble.appendChild(el("span", "wp-from", msg.profile_name));
    bubble.style.left = 10 + Math.random() * 70 + "%";
    layer.appendChild(bubble);
    setTimeout(() => bubble.remove(), 3200);
  };

  Panel.prototype.invite = async function (singleUse) {
    let r;
    try {
      r = await this.room.api("POST", "/invites", { hours: 24, single_use: singleUse });
    } catch (e) {
      this.error("Could not create a link: the server cannot be reached.");
      return;
    }
    let body = {};
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) {
      this.error(body.detail || "Could not create a link.");
      return;
    }
    this.addInvite(body.invite);
  };

  Panel.prototype.addInvite = function (inv) {
    const url = new URL(inv.url, location.href).href;
    const li = el("li", "wp-invite");
    const field = el("input", "wp-link");
    field.readOnly = true;
    field.value = url;
    field.setAttribute("aria-label", inv.single_use ? "Single-use invite link" : "Invite link");
    li.appendChild(field);
    const note = el("span", "muted wp-note", (inv.single_use ? "Single use · " : "") + "until " + new Date(inv.expires_at > 1e11 ? inv.expires_at : inv.expires_at * 1000).toLocaleString());
    li.appendChild(note);
    const copy = el("button", "wp-tool", "Copy");
    copy.type = "button";
    copy.addEventListener("click", () => {
      field.select();
      const done = () => (copy.textContent = "Copied");
      if (navigator.clipboard) navigator.clipboard.writeText(url).then(done, () => document.execCommand("copy") && done());
      else if (document.execCommand("copy")) done();
    });
    const revoke = el("button", "wp-tool", "Revoke");
    revoke.type = "button";
    revoke.addEventListener("click", async () => {
      const r = await this.room.api("DELETE", "/invites/" + encodeURIComponent(inv.token)).catch(() => null);
      if (r && (r.ok || r.status === 404)) {
        li.classList.add("revoked");
        field.disabled = copy.disabled = revoke.disabled = true;
        note.textContent = "Revoked";
      } else {
        this.error("Could not revoke the link.");
      }
    });
    li.appendChild(copy);
    li.appendChild(revoke);
    $("wp-invites").prepend(li);
    field.select();
  };

  window.MSRoomPanel = { Panel: Panel };
})();
