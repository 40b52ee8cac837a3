// The live page: feeds over /ws/live/ (protocol in the README). Rows are written with
// textContent only: payloads are shown, never interpreted.
(function () {
  const root = document.getElementById("live");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const form = $("live-subscribe");
  const rows = $("live-rows");
  const feeds = new Map(); // feed id -> {request, element}
  const instance = root.dataset.instance || "default"; // the page's: /i/<name>/live/
  const counts = { shown: 0, dropped: 0, window: [] };
  let socket = null;
  let backoff = 500;
  let refused = 0; // closes before the socket ever opened, in a row
  let paused = false;
  let pausedCount = 0;
  let pending = []; // messages waiting for the next animation frame
  let asked = []; // feeds asked for before the socket was open: sent once it is

  // --- the socket -------------------------------------------------------------------
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socket}`);
    setConnection("connecting", "connecting…");
    let opened = 0;
    socket.addEventListener("open", () => {
      opened = performance.now();
      refused = 0;
      setConnection("open", "connected");
      for (const feed of feeds.values()) send(feed.request);
      for (const request of asked) send(request);
      asked = [];
    });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      pending = []; // what was not drawn belongs to the old socket
      if (event.code === 4403) { // the server closed it: this account may see no more
        setConnection("closed", "closed");
        showError("The server closed this page's connection: your account was deactivated or its role "
          + "here removed, so no feed can be watched. Reload the page to log in again.");
        for (const feed of feeds.values()) setFeedState(feed, "failed", "");
        form.querySelector("button[type=submit]").disabled = true; // nothing would answer
        return;
      }
      if (opened && performance.now() - opened > 10000) backoff = 500; // it had worked
      if (!opened) refused += 1;
      const delay = backoff * (0.8 + Math.random() * 0.4);
      const seconds = Math.round(delay / 100) / 10;
      const why = refused >= 3 ? "the server refuses the connection (has your session ended? reload the page to log in again); " : "";
      setConnection("closed", `disconnected: ${why}trying again in ${seconds} s`);
      for (const feed of feeds.values()) setFeedState(feed, "waiting", "");
      setTimeout(connect, delay);
      backoff = Math.min(backoff * 2, 10000);
    });
  }

  function send(request) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request));
  }

  // A feed asked for while the socket still connects (or reconnects) is not lost.
  function subscribe(request) {
    if (socket && socket.readyState === WebSocket.OPEN) send(request);
    else asked.push(request);
  }

  function receive(frame) {
    if (frame.type === "messages" && !feeds.has(frame.feed)) {
      send({ action: "ack", seq: frame.seq }); // a feed stopped here: still on its way
    } else if (frame.type === "messages") {
      counts.dropped += frame.dropped;
      counts.window.push([performance.now(), frame.messages.length + frame.dropped]);
      if (paused) {
        pausedCount += frame.messages.length;
        $("live-pause").textContent = `Resume (${pausedCount.toLocaleString("en-US")} arrived)`;
        send({ action: "ack", seq: frame.seq });
      } else {
        // Acknowledged on receipt, drawn on the next frame: a hidden tab draws nothing
        // (no animation frames) and must not look too slow to the server meanwhile.
        send({ action: "ack", seq: frame.seq });
        pending.push(...frame.messages);
        const cap = Number($("live-cap").value);
        if (pending.length > cap) { // the table would push them out at once
          counts.shown += pending.length - cap;
          pending = pending.slice(-cap);
        }
        requestAnimationFrame(draw);
      }
    } else if (frame.type === "subscribed") {
      feedFor(frame);
    } else if (frame.type === "status") {
      const feed = feedFor(frame);
      const gap = frame.gap_seconds ? ` (missed ${frame.gap_seconds} s)` : "";
      setFeedState(feed, frame.state, (frame.message || frame.warning || "") + gap);
    } else if (frame.type === "unsubscribed") {
      const feed = feeds.get(frame.feed);
      if (feed) feed.element.remove();
      feeds.delete(frame.feed);
    } else if (frame.type === "error") {
      showError(frame.message);
    }
  }

  // --- feeds ------------------------------------------------------------------------
  function requestFrom(data) {
    const request = { action: "subscribe", instance, source: data.get("source") };
    if (request.source === "shard") Object.assign(request, { source: "redis", mode: "shard" });
    if (request.source === "redis" || request.source === "keyspace") request.pattern = data.get("pattern");
    if (request.source === "sentinel" && data.get("events")) request.pattern = data.get("events");
    if (request.source === "celery-redis" || request.source === "celery-rabbitmq") {
      Object.assign(request, { source: "celery", broker: request.source.slice(7), pattern: data.get("celery_events") || "#" });
    }
    if (request.source === "rabbitmq") {
      request.exchange = data.get("exchange");
      request.binding_key = data.get("binding_key") || "#";
    }
    return request;
  }

  function feedFor(frame) {
    let feed = feeds.get(frame.feed);
    if (!feed) {
      const request = { action: "subscribe", instance: frame.instance, source: frame.source, pattern: frame.pattern,
        exchange: frame.exchange, binding_key: frame.binding_key, mode: frame.mode };
      feed = { request, element: feedElement(frame) };
      feeds.set(frame.feed, feed);
    }
    return feed;
  }

  function feedElement(frame) {
    const item = document.createElement("li");
    item.className = "feed";
    const label = document.createElement("span");
    label.className = "feed-label";
    const what = frame.source === "rabbitmq" ? `${frame.exchange} ${frame.binding_key}`
      : frame.source === "celery" ? `${frame.pattern} on ${frame.exchange ? "RabbitMQ" : "Redis"}`
      : frame.source === "invalidations" ? "dashboard"
      : frame.mode === "shard" ? `${frame.pattern} (sharded)` : frame.pattern;
    label.textContent = `${frame.source}: ${visible(what)}`;
    const state = document.createElement("span");
    state.className = "feed-state";
    const note = document.createElement("span");
    note.className = "feed-note";
    const stop = document.createElement("button");
    stop.type = "button";
    stop.className = "linkish";
    stop.textContent = "Stop";
    stop.addEventListener("click", () => {
      const feed = feeds.get(frame.feed);
      if (!feed) return;
      send({ ...feed.request, action: "unsubscribe" });
      feed.element.remove(); // at once: while disconnected, it must not come back
      feeds.delete(frame.feed);
    });
    item.append(label, state, note, stop);
    $("live-feeds").append(item);
    return item;
  }

  // A name as text that shows what it holds: controls, invisible characters and
  // bidirectional overrides (U+202E turns the rest of the line around) as \uNNNN.
  const INVISIBLE = /[\u0000-\u001f\u007f-\u00a0\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
  function visible(text) {
    return String(text).replace(INVISIBLE, (char) => "\\u" + char.charCodeAt(0).toString(16).padStart(4, "0"));
  }

  function setFeedState(feed, state, note) {
    feed.element.dataset.state = state;
    feed.element.querySelector(".feed-state").textContent = state;
    feed.element.querySelector(".feed-note").textContent = note;
  }

  // --- rows -------------------------------------------------------------------------
  function draw() {
    if (!pending.length) return;
    const filter = $("live-filter").value.toLowerCase();
    const placeholder = rows.querySelector(".placeholder");
    if (placeholder && pending.length) placeholder.remove();
    const fragment = document.createDocumentFragment();
    for (const message of pending) fragment.prepend(rowFor(message, filter));
    rows.prepend(fragment);
    counts.shown += pending.length;
    pending = [];
    const cap = Number($("live-cap").value);
    while (rows.children.length > cap) rows.lastElementChild.remove();
    showCounts(); // with the rows: a count behind them would contradict the table
  }

  function rowFor(message, filter) {
    const row = document.createElement("tr");
    row.message = message;
    const text = payloadText(message);
    const where = message.node ? `${message.channel} @ ${message.node}` : message.channel;
    const cells = [clock(message.ts), message.source, where, text.slice(0, 300)];
    for (const value of cells) {
      const cell = document.createElement("td");
      cell.textContent = value;
      row.append(cell);
    }
    row.cells[2].className = "key";
    row.cells[3].className = "mono payload";
    row.hidden = filter !== "" && !matches(row, filter);
    return row;
  }

  function matches(row, filter) {
    const message = row.message;
    return (message.channel + " " + payloadText(message)).toLowerCase().includes(filter);
  }

  function payloadText(message) {
    if (message.data !== undefined) return message.data;
    return `(binary, ${atob(message.data_b64).length} bytes)`;
  }

  function clock(ts) {
    const date = new Date(ts * 1000);
    return date.toLocaleTimeString("en-GB") + "." + String(date.getMilliseconds()).padStart(3, "0");
  }

  function showDetail(message) {
    $("live-detail").hidden = false;
    const cut = message.bytes ? ` · cut to the first 2,048 of ${message.bytes.toLocaleString("en-US")} bytes` : "";
    const node = message.node ? ` · node ${message.node}` : "";
    $("live-detail-meta").textContent = `${message.source} · ${message.channel}${node} · ${clock(message.ts)}${cut}`;
    $("live-detail-body").textContent = detailText(message);
  }

  function detailText(message) {
    if (message.data_b64 !== undefined) return hexdump(atob(message.data_b64));
    try {
      return JSON.stringify(JSON.parse(message.data), null, 2);
    } catch (error) {
      return message.data;
    }
  }

  function hexdump(binary) {
    const lines = [];
    for (let offset = 0; offset < binary.length; offset += 16) {
      const chunk = binary.slice(offset, offset + 16);
      const hex = Array.from(chunk, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");
      const text = Array.from(chunk, (c) => (c >= " " && c <= "~" ? c : ".")).join("");
      lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${text}|`);
    }
    return lines.join("\n");
  }

  // --- the page's controls ----------------------------------------------------------
  function setConnection(state, text) {
    const element = $("live-connection");
    element.dataset.state = state;
    element.textContent = text;
    document.body.dataset.socket = state;
  }

  function showError(message) {
    const element = $("live-error");
    element.hidden = false;
    element.textContent = message;
  }

  function showFields() {
    const source = form.elements.source.value;
    for (const label of form.querySelectorAll("[data-for]")) {
      label.hidden = !label.dataset.for.split(" ").includes(source);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    $("live-error").hidden = true;
    subscribe(requestFrom(new FormData(form)));
  });
  form.elements.source.addEventListener("change", showFields);
  rows.addEventListener("click", (event) => {
    const row = event.target.closest("tr");
    if (row && row.message) showDetail(row.message);
  });
  $("live-detail-close").addEventListener("click", () => { $("live-detail").hidden = true; });
  $("live-pause").addEventListener("click", (event) => {
    paused = !paused;
    event.target.textContent = paused ? "Resume" : "Pause";
    if (!paused && pausedCount) {
      const plural = pausedCount === 1 ? "message" : "messages";
      showError(`${pausedCount.toLocaleString("en-US")} ${plural} arrived while paused and ${pausedCount === 1 ? "was" : "were"} not kept.`);
      pausedCount = 0;
    }
  });
  $("live-clear").addEventListener("click", () => { rows.replaceChildren(); });
  $("live-filter").addEventListener("input", (event) => {
    const filter = event.target.value.toLowerCase();
    for (const row of rows.children) if (row.message) row.hidden = filter !== "" && !matches(row, filter);
  });
  document.addEventListener("click", (event) => {
    const channel = event.target.dataset && event.target.dataset.watch;
    if (channel === undefined) return;
    const mode = event.target.dataset.mode || "channel";
    form.elements.source.value = mode === "shard" ? "shard" : "redis";
    form.elements.pattern.value = channel;
    showFields();
    subscribe({ action: "subscribe", instance, source: "redis", pattern: channel, mode });
  });

  function showCounts() {
    $("live-received").textContent = counts.shown.toLocaleString("en-US");
    $("live-dropped").textContent = counts.dropped.toLocaleString("en-US");
  }

  setInterval(() => {
    const now = performance.now();
    counts.window = counts.window.filter(([at]) => now - at < 1000);
    $("live-rate").textContent = counts.window.reduce((sum, [, n]) => sum + n, 0).toLocaleString("en-US");
    showCounts();
  }, 500);

  showFields();
  connect();
})();
