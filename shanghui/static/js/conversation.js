// The conversation panel (代办群, templates/conversations/_panel.html): live messages over a WebSocket
// (protocol in shanghui/conversations/consumers.py), history pages over HTTP, replies, images and files,
// internal notes, read receipts and the unread count. No inline scripts: the Content-Security-Policy
// forbids them; everything the script needs is in the panel's data attributes.
//
// Nothing is lost or shown twice: messages are kept by seq (a second copy of a seq is ignored), and
// `synced` is the seq up to which every message this person may see is known. A message that arrives
// past a gap, or a reconnect, asks the server for everything after `synced`. Posts carry a client id
// and stay pending until acknowledged; after a reconnect they are sent again and the server stores each
// once. Posting faster than the server's rate is answered with "wait": the posts stay queued, in order,
// and go again by themselves when the wait is over (the same client id, so each is stored once).

(() => {
  "use strict";

  // Every word the panel shows comes from the page, in its language: the json_script block
  // "conversation-text" that the panel's template renders (conversations/templatetags: PANEL_TEXT).
  let TEXT = null;
  function t(key, params) {
    if (TEXT === null) {
      const source = document.getElementById("conversation-text");
      try {
        TEXT = source ? JSON.parse(source.textContent || "{}") : {};
      } catch {
        TEXT = {};
      }
    }
    const text = TEXT[key] === undefined ? key : String(TEXT[key]);
    return text.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole));
  }
  const CLOSE_TEXT = { 4403: "closed_4403", 4401: "closed_4401" };
  const MAX_DELAY = 30000;
  const LOCALE = document.documentElement.lang || "zh-CN";
  const timeFormat = new Intl.DateTimeFormat(LOCALE, {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const dayFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit" });

  function clientId() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function when(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return "";
    const today = dayFormat.format(new Date()) === dayFormat.format(date);
    return today ? timeFormat.format(date) : `${dayFormat.format(date)} ${timeFormat.format(date)}`;
  }

  function size(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  function withQuery(url, params) {
    const target = new URL(url, window.location.origin);
    Object.entries(params).forEach(([key, value]) => target.searchParams.set(key, String(value)));
    return target.pathname + target.search;
  }

  class Panel {
    constructor(root) {
      const data = root.dataset;
      this.root = root;
      this.urls = { ws: data.ws, messages: data.messagesUrl, upload: data.uploadUrl, join: data.joinUrl, read: data.readUrl };
      this.csrf = data.csrf;
      this.me = data.me;
      this.citizen = data.citizen === "1";
      this.maxBytes = parseInt(data.maxMb || "10", 10) * 1024 * 1024;
      this.access = {
        post: data.canPost === "1", internal: data.internal === "1", can_join: data.canJoin === "1", files: data.files === "1",
      };
      this.filesRefused = data.filesRefused || "";
      this.messages = new Map(); // seq → message
      this.synced = 0;
      this.oldest = null;
      this.pending = new Map(); // client id → {frame, node}, in the order they were written
      this.holdUntil = 0; // told to wait (rate): nothing is sent before this time (ms)
      this.holdTimer = null;
      this.awaiting = new Map(); // acknowledged seq → its pending node, until the message itself arrives
      this.participants = new Map(); // author key → {name, last_read_seq}
      this.unread = parseInt(data.unread || "0", 10);
      this.readSent = 0;
      this.replyTo = null;
      this.socket = null;
      this.opened = false;
      this.retries = 0;
      this.timer = null;
      this.stopped = false;
      this.syncing = false;
      this.resync = false;
      this.inView = false;

      const q = (name) => root.querySelector(`[data-conv-${name}]`);
      this.scroll = q("scroll");
      this.list = q("list");
      this.pendingList = q("pending");
      this.empty = q("empty");
      this.older = q("older");
      this.status = q("status");
      this.notice = q("notice");
      this.form = q("form");
      this.input = q("input");
      this.internal = q("internal");
      this.file = q("file");
      this.replying = q("replying");
      this.replyLabel = q("reply-label");
      this.joinBar = q("join-bar");
      this.readonly = q("readonly");

      this.bind();
      this.setStatus("connecting");
      this.loadLatest().finally(() => this.connect());
    }

    // --- wiring --------------------------------------------------------------------------------

    bind() {
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.send();
      });
      this.input.addEventListener("keydown", (event) => {
        // Enter sends, Shift+Enter is a new line; never while an input method is composing (拼音).
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
          event.preventDefault();
          this.send();
        }
      });
      this.input.addEventListener("input", () => {
        this.input.style.height = "auto";
        this.input.style.height = `${Math.min(this.input.scrollHeight, 128)}px`;
      });
      this.file.addEventListener("change", () => {
        const file = this.file.files && this.file.files[0];
        this.file.value = "";
        if (file) this.upload(file);
      });
      this.older.addEventListener("click", () => this.loadOlder());
      this.root.querySelector("[data-conv-reply-cancel]").addEventListener("click", () => this.setReply(null));
      const join = this.root.querySelector("[data-conv-join]");
      if (join) join.addEventListener("click", () => this.join(join));
      this.list.addEventListener("click", (event) => {
        const target = event.target instanceof Element ? event.target : null;
        const reply = target && target.closest("[data-reply]");
        if (reply) {
          const message = this.messages.get(parseInt(reply.dataset.reply, 10));
          if (message) this.setReply(message);
          return;
        }
        const quote = target && target.closest("[data-quote]");
        if (quote) this.flash(parseInt(quote.dataset.quote, 10));
      });
      if ("IntersectionObserver" in window) {
        new IntersectionObserver((entries) => {
          this.inView = entries.some((entry) => entry.isIntersecting);
          this.markRead();
        }, { threshold: 0.1 }).observe(this.scroll);
      } else {
        this.inView = true;
      }
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
          this.reconnectNow();
          this.markRead();
        }
      });
      // A phone that loses its network often keeps a dead socket open for minutes: drop it at once, so
      // the indicator tells the truth and the page catches up as soon as the network is back.
      window.addEventListener("offline", () => {
        if (this.socket) this.socket.close();
      });
      window.addEventListener("online", () => this.reconnectNow());
      window.addEventListener("pageshow", (event) => {
        if (event.persisted) this.reconnectNow();
      });
    }

    setStatus(state) {
      this.status.dataset.state = state === "stopped" ? "closed" : state;
      this.status.textContent = t(state);
    }

    showNotice(text) {
      this.notice.textContent = text;
      this.notice.hidden = !text;
    }

    applyAccess(access) {
      this.access = access;
      this.form.hidden = !access.post;
      if (this.joinBar) this.joinBar.hidden = !access.can_join;
      this.readonly.hidden = access.post || access.can_join;
      if (this.internal && !access.internal) this.internal.checked = false;
    }

    // --- the socket ----------------------------------------------------------------------------

    connect() {
      if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
      window.clearTimeout(this.timer);
      this.timer = null;
      this.setStatus(this.retries ? "closed" : "connecting");
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(`${scheme}://${window.location.host}${this.urls.ws}`);
      this.socket = socket;
      this.opened = false;
      socket.addEventListener("open", () => {
        this.opened = true;
        this.retries = 0;
        this.setStatus("open");
      });
      socket.addEventListener("message", (event) => {
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        this.receive(frame);
      });
      socket.addEventListener("close", (event) => {
        if (this.socket !== socket) return;
        this.socket = null;
        this.syncing = false;
        if (CLOSE_TEXT[event.code]) {
          this.stop(t(CLOSE_TEXT[event.code]));
          return;
        }
        if (!this.opened) {
          // The handshake was refused or the server is away: a page that may no longer read the
          // conversation stops; otherwise try again later.
          this.checkAccess();
        }
        this.retry();
      });
    }

    retry() {
      if (this.stopped || this.timer) return;
      this.setStatus("closed");
      const delay = Math.min(MAX_DELAY, 1000 * 2 ** this.retries) * (0.5 + Math.random() / 2);
      this.retries = Math.min(this.retries + 1, 10);
      this.timer = window.setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delay);
    }

    reconnectNow() {
      if (this.stopped || this.socket) return;
      window.clearTimeout(this.timer);
      this.timer = null;
      this.connect();
    }

    stop(text) {
      this.stopped = true;
      window.clearTimeout(this.timer);
      this.setStatus("stopped");
      this.showNotice(text);
      this.form.hidden = true;
    }

    async checkAccess() {
      try {
        const response = await fetch(withQuery(this.urls.messages, { after: this.synced }), {
          credentials: "same-origin", headers: { Accept: "application/json" },
        });
        if (response.status === 404 || response.status === 403) {
          this.stop(t(this.citizen ? CLOSE_TEXT[4401] : CLOSE_TEXT[4403]));
        }
      } catch {
        // offline: keep retrying
      }
    }

    sendFrame(frame) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
      this.socket.send(JSON.stringify(frame));
      return true;
    }

    receive(frame) {
      switch (frame.type) {
        case "hello":
          this.me = frame.me;
          this.applyAccess(frame.access);
          this.participants = new Map(frame.participants.map((p) => [p.key, p]));
          this.renderReceipts();
          this.sync();
          // Posts still waiting for an answer are sent again; the server stores each client id once.
          if (!this.holding()) this.flush();
          this.markRead();
          break;
        case "history": {
          this.syncing = false;
          const stick = this.nearBottom();
          frame.messages.forEach((m) => this.add(m, true));
          if (frame.messages.length) {
            this.synced = Math.max(this.synced, frame.messages[frame.messages.length - 1].seq);
          }
          this.advance();
          if (frame.more || this.resync) {
            this.resync = false;
            this.sync();
          }
          this.afterNew(stick);
          break;
        }
        case "message": {
          const stick = this.nearBottom() || frame.message.author.key === this.me;
          this.add(frame.message, true);
          if (frame.message.seq > this.synced + 1) this.sync(); // a gap: fetch what lies in it
          this.advance();
          this.afterNew(stick);
          break;
        }
        case "ack":
          this.acknowledge(frame.client_id, frame.seq);
          break;
        case "error":
          this.refused(frame.client_id, frame.message);
          break;
        case "wait":
          this.hold(frame.client_id, frame.retry_after, frame.message);
          break;
        case "read":
          this.participants.set(frame.reader, {
            key: frame.reader, name: frame.name,
            last_read_seq: Math.max(frame.seq, (this.participants.get(frame.reader) || {}).last_read_seq || 0),
          });
          this.renderReceipts();
          break;
        default:
          break;
      }
    }

    sync() {
      if (this.syncing) {
        this.resync = true;
        return;
      }
      if (this.sendFrame({ type: "sync", after: this.synced })) this.syncing = true;
    }

    advance() {
      while (this.messages.has(this.synced + 1)) this.synced += 1;
    }

    // --- messages ------------------------------------------------------------------------------

    // `live`: it arrived over the socket (new to this page), so it counts as unread until seen; pages
    // of history do not (the server's count at page load covers them).
    add(message, live = false) {
      if (this.messages.has(message.seq)) return false;
      this.messages.set(message.seq, message);
      const node = this.render(message);
      let before = null;
      for (const item of this.list.children) {
        if (parseInt(item.dataset.seq, 10) > message.seq) {
          before = item;
          break;
        }
      }
      this.list.insertBefore(node, before);
      if (this.oldest === null || message.seq < this.oldest) this.oldest = message.seq;
      const waiting = this.awaiting.get(message.seq);
      if (waiting) {
        waiting.remove();
        this.awaiting.delete(message.seq);
      }
      if (live && message.kind !== "system" && message.author.key !== this.me && !(this.inView && this.visible())) {
        this.setUnread(this.unread + 1);
      }
      this.updateEmpty();
      return true;
    }

    render(message) {
      const mine = message.author.key === this.me;
      const item = el("li", "conv-msg");
      item.dataset.seq = String(message.seq);
      item.setAttribute("data-testid", "conversation-message");
      item.dataset.kind = message.kind;
      if (message.kind === "system") {
        item.classList.add("system");
        const line = el("div", "conv-system", message.body);
        line.title = when(message.created_at);
        item.append(line);
        return item;
      }
      if (mine) item.classList.add("mine");
      if (message.internal) {
        item.classList.add("internal");
        item.dataset.internal = "1";
      }
      const meta = el("div", "conv-meta");
      meta.append(el("span", "conv-author", mine ? t("me", { name: message.author.name }) : message.author.name), " ",
        el("time", null, when(message.created_at)));
      meta.querySelector("time").dateTime = message.created_at;
      item.append(meta);
      if (message.internal) item.append(el("div", "conv-internal-label", t("internal")));
      const bubble = el("div", "conv-bubble");
      if (message.reply_to) {
        const quote = el("blockquote", "conv-quote", t("quote", { author: message.reply_to.author, text: message.reply_to.excerpt }));
        quote.dataset.quote = String(message.reply_to.seq);
        bubble.append(quote);
      }
      if (message.file && !this.access.files) {
        // Supervisors and auditors see that a file was sent, not its content (the server answers 403).
        const icon = message.kind === "image" ? "🖼" : "📄";
        const note = el("span", "conv-file text-muted", `${icon} ${t("file", { name: message.file.name, size: size(message.file.size) })}`);
        note.title = this.filesRefused;
        note.dataset.testid = "conversation-file-closed";
        bubble.append(note);
      } else if (message.file) {
        const link = el("a", message.kind === "image" ? null : "conv-file");
        link.href = message.file.url;
        link.target = "_blank";
        link.rel = "noopener";
        if (message.kind === "image") {
          const img = el("img", "conv-thumb");
          img.src = message.file.url;
          img.alt = message.file.name;
          img.loading = "lazy";
          link.append(img);
        } else {
          link.textContent = `📄 ${t("file", { name: message.file.name, size: size(message.file.size) })}`;
        }
        bubble.append(link);
      }
      if (message.body) bubble.append(el("div", "conv-text", message.body));
      item.append(bubble);
      const foot = el("div", "conv-foot");
      if (this.access.post) {
        const reply = el("button", "btn btn-link", t("reply"));
        reply.type = "button";
        reply.dataset.reply = String(message.seq);
        foot.append(reply);
      }
      if (mine) {
        const receipt = el("span", "conv-receipt");
        receipt.setAttribute("data-testid", "conversation-receipt");
        foot.append(receipt);
        this.renderReceipt(message, receipt);
      }
      item.append(foot);
      return item;
    }

    renderReceipt(message, node) {
      const others = [...this.participants.values()].filter(
        (p) => p.key !== this.me && !(message.internal && p.key === "citizen"),
      );
      const readers = others.filter((p) => p.last_read_seq >= message.seq);
      let text = t("unread");
      if (readers.length && others.length === 1) text = t("read");
      else if (readers.length) text = t("read_by", { count: readers.length });
      node.textContent = text;
      node.classList.toggle("read", readers.length > 0);
      node.title = readers.map((p) => p.name).join(t("names_separator"));
    }

    renderReceipts() {
      this.list.querySelectorAll(".conv-msg.mine").forEach((item) => {
        const message = this.messages.get(parseInt(item.dataset.seq, 10));
        const node = item.querySelector(".conv-receipt");
        if (message && node) this.renderReceipt(message, node);
      });
    }

    updateEmpty() {
      this.empty.hidden = this.messages.size > 0 || this.pending.size > 0 || this.awaiting.size > 0;
    }

    nearBottom() {
      return this.scroll.scrollHeight - this.scroll.scrollTop - this.scroll.clientHeight < 80;
    }

    toBottom() {
      this.scroll.scrollTop = this.scroll.scrollHeight;
    }

    // Follow new messages only when the reader was at the bottom (not while reading further up).
    afterNew(stick) {
      if (stick) this.toBottom();
      this.markRead();
    }

    flash(seq) {
      const item = this.list.querySelector(`[data-seq="${seq}"]`);
      if (!item) return;
      item.scrollIntoView({ block: "center", behavior: "smooth" });
      item.classList.add("flash");
      window.setTimeout(() => item.classList.remove("flash"), 1500);
    }

    // --- history over HTTP ---------------------------------------------------------------------

    async fetchPage(params) {
      const response = await fetch(withQuery(this.urls.messages, params), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }

    async loadLatest() {
      try {
        const page = await this.fetchPage({});
        page.messages.forEach((m) => this.add(m));
        if (page.messages.length) this.synced = page.messages[page.messages.length - 1].seq;
        this.older.hidden = !page.more;
        this.toBottom();
      } catch {
        // The socket's sync fetches the history instead.
      }
      this.updateEmpty();
    }

    async loadOlder() {
      if (this.oldest === null) return;
      this.older.disabled = true;
      try {
        const height = this.scroll.scrollHeight;
        const page = await this.fetchPage({ before: this.oldest });
        page.messages.forEach((m) => this.add(m));
        this.older.hidden = !page.more;
        this.scroll.scrollTop += this.scroll.scrollHeight - height; // keep the reader's place
      } catch {
        this.showNotice(t("load_failed"));
      } finally {
        this.older.disabled = false;
      }
    }

    // --- sending -------------------------------------------------------------------------------

    setReply(message) {
      this.replyTo = message;
      this.replying.hidden = !message;
      if (message) {
        const excerpt = message.body ? message.body.slice(0, 30) : (message.file ? message.file.name : "");
        this.replyLabel.textContent = t("quote", { author: message.author.name, text: excerpt });
        if (message.internal && this.internal) this.internal.checked = true; // a note is answered inside
        this.input.focus();
      }
    }

    pendingNode(text, isInternal) {
      const item = el("li", "conv-msg mine pending");
      item.setAttribute("data-testid", "conversation-pending");
      if (isInternal) {
        item.classList.add("internal");
        item.append(el("div", "conv-internal-label", t("internal")));
      }
      item.append(el("div", "conv-bubble", text));
      const foot = el("div", "conv-foot", t("sending"));
      foot.dataset.state = "sending";
      item.append(foot);
      this.pendingList.append(item);
      this.toBottom();
      return item;
    }

    send() {
      const body = this.input.value.trim();
      if (!body) return;
      const isInternal = Boolean(this.internal && this.internal.checked);
      const frame = {
        type: "post", body, reply_to: this.replyTo ? this.replyTo.seq : null, internal: isInternal,
        client_id: clientId(),
      };
      const node = this.pendingNode(body, isInternal);
      this.pending.set(frame.client_id, { frame, node });
      this.input.value = "";
      this.input.style.height = "auto";
      this.setReply(null);
      this.updateEmpty();
      const foot = node.querySelector(".conv-foot");
      if (this.holding()) foot.textContent = t("queued");
      else if (!this.sendFrame(frame)) foot.textContent = t("waiting");
    }

    holding() {
      return Date.now() < this.holdUntil;
    }

    // Over the rate: keep every pending post (this one and any written meanwhile) and send them all
    // again, in order, when the server said it would take them.
    hold(id, seconds, text) {
      const wait = Math.max(1, parseInt(seconds, 10) || 1) * 1000;
      this.holdUntil = Math.max(this.holdUntil, Date.now() + wait);
      const until = this.holdUntil;
      this.pending.forEach((entry) => {
        if (entry.frame) entry.node.querySelector(".conv-foot").textContent = t("queued");
      });
      const entry = id ? this.pending.get(id) : null;
      if (entry) entry.node.querySelector(".conv-foot").textContent = t("wait", { seconds: wait / 1000 });
      this.showNotice(t("held", { reason: text || t("too_fast") }));
      window.clearTimeout(this.holdTimer);
      this.holdTimer = window.setTimeout(() => {
        this.holdTimer = null;
        if (this.holdUntil === until) this.flush();
      }, this.holdUntil - Date.now());
    }

    flush() {
      if (this.holdUntil) this.showNotice("");
      this.holdUntil = 0;
      this.pending.forEach((entry) => {
        if (!entry.frame) return;
        const foot = entry.node.querySelector(".conv-foot");
        foot.textContent = this.sendFrame(entry.frame) ? t("sending") : t("waiting");
      });
    }

    acknowledge(id, seq) {
      const entry = this.pending.get(id);
      if (!entry) return;
      this.pending.delete(id);
      if (this.messages.has(seq)) {
        entry.node.remove();
      } else {
        this.awaiting.set(seq, entry.node);
        this.sync(); // the broadcast may be late or lost; the history has it
      }
      this.updateEmpty();
    }

    refused(id, text) {
      const entry = id ? this.pending.get(id) : null;
      if (!entry) {
        this.showNotice(text);
        return;
      }
      this.pending.delete(id);
      entry.node.classList.add("failed");
      entry.node.querySelector(".conv-foot").textContent = t("failed", { reason: text });
    }

    async upload(file) {
      const isInternal = Boolean(this.internal && this.internal.checked);
      const node = this.pendingNode(t("file", { name: file.name, size: size(file.size) }), isInternal);
      const foot = node.querySelector(".conv-foot");
      foot.textContent = t("uploading");
      const fail = (text) => {
        node.classList.add("failed");
        foot.textContent = t("failed", { reason: text });
      };
      if (file.size > this.maxBytes) {
        fail(t("too_big", { mb: this.maxBytes / 1024 / 1024 }));
        return;
      }
      const form = new FormData();
      form.append("file", file);
      form.append("client_id", clientId());
      if (isInternal) form.append("internal", "1");
      if (this.replyTo) form.append("reply_to", String(this.replyTo.seq));
      this.setReply(null);
      const attempt = async () => {
        try {
          const response = await fetch(this.urls.upload, {
            method: "POST", body: form, credentials: "same-origin",
            headers: { "X-CSRFToken": this.csrf, Accept: "application/json" },
          });
          const answer = await response.json().catch(() => ({}));
          if (response.status === 429) {
            // Too fast: nothing was stored; the same form (same client id) goes again after the wait.
            const seconds = parseInt(answer.retry_after || response.headers.get("Retry-After") || "5", 10);
            foot.textContent = t("wait", { seconds: Math.max(1, seconds) });
            window.setTimeout(attempt, Math.max(1, seconds) * 1000);
            return;
          }
          if (!response.ok) {
            fail(answer.error || t("try_later")); // e.g. a quota: the file stays here, with the reason
            return;
          }
          node.remove();
          // The broadcast brings it too; whichever comes first is shown, the other is ignored.
          this.add(answer.message);
          this.advance();
          this.afterNew(true);
        } catch {
          fail(t("network"));
        }
      };
      await attempt();
    }

    async join(button) {
      button.disabled = true;
      try {
        const response = await fetch(this.urls.join, {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": this.csrf, Accept: "application/json" },
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          this.showNotice(answer.error || t("join_failed"));
          return;
        }
        this.applyAccess(answer.access);
        this.list.querySelectorAll(".conv-foot").forEach((foot) => {
          const item = foot.closest(".conv-msg");
          if (item && !foot.querySelector("[data-reply]")) {
            const reply = el("button", "btn btn-link", t("reply"));
            reply.type = "button";
            reply.dataset.reply = item.dataset.seq;
            foot.prepend(reply);
          }
        });
      } finally {
        button.disabled = false;
      }
    }

    // --- read receipts and the unread count --------------------------------------------------------

    visible() {
      return document.visibilityState === "visible";
    }

    setUnread(count) {
      this.unread = count;
      document.querySelectorAll("[data-conv-unread]").forEach((badge) => {
        badge.textContent = String(count > 99 ? "99+" : count);
        badge.hidden = count === 0;
      });
    }

    markRead() {
      if (!this.inView || !this.visible()) return;
      const last = Math.max(0, ...this.messages.keys());
      if (this.unread) this.setUnread(0);
      if (last > this.readSent && this.sendFrame({ type: "read", seq: last })) this.readSent = last;
    }
  }

  function start() {
    document.querySelectorAll("[data-conversation]").forEach((root) => {
      if (!root.conversationPanel) root.conversationPanel = new Panel(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
