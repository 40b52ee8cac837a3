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
  let held = []; // messages that came while paused, the newest "Keep" of them
  let heldCount = 0; // every one that came while paused
  let pending = []; // messages waiting for the next animation frame
  let drawing = false; // an animation frame is asked for
  let serverFilter = ""; // the filter the feeds were asked with
  let asked = []; // feeds asked for before the socket was open: sent once it is
  const leaving = new Set(); // feed ids unsubscribed, whose frames may still be on their way

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
      leaving.clear(); // a new connection starts with no feed: nothing of these will come
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
    } else if (leaving.has(frame.feed)) {
      if (frame.type === "unsubscribed") leaving.delete(frame.feed); // the last of it
    } else if (frame.type === "subscribed" && !feeds.has(frame.feed) && (frame.filter || "") !== serverFilter) {
      // asked for before the filter on the server changed: asked again with the filter
      leave(frame.feed, requestOf(frame));
      subscribe(filtered(requestOf(frame)));
    } else if (frame.type === "messages") {
      // Acknowledged on receipt, drawn on the next animation frame: a hidden tab draws
      // nothing (no animation frames) and must not look too slow to the server meanwhile.
      send({ action: "ack", seq: frame.seq });
      counts.dropped += frame.dropped;
      counts.window.push([performance.now(), frame.messages.length + frame.dropped]);
      if (paused) {
        heldCount += frame.messages.length;
        held = keepNewest(held.concat(frame.messages));
        $("live-pause").textContent = `Resume (${heldCount.toLocaleString("en-US")} arrived, ${held.length.toLocaleString("en-US")} kept)`;
      } else {
        pending = keepNewest(pending.concat(frame.messages));
        askToDraw();
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

  // What the table would push out at once is counted as shown, and not drawn.
  function keepNewest(messages) {
    const cap = Number($("live-cap").value);
    if (messages.length <= cap) return messages;
    counts.shown += messages.length - cap;
    return messages.slice(-cap);
  }

  function askToDraw() {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(draw);
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
    return filtered(request);
  }

  function feedFor(frame) {
    let feed = feeds.get(frame.feed);
    if (!feed) {
      feed = { request: requestOf(frame), element: feedElement(frame) };
      feeds.set(frame.feed, feed);
    }
    return feed;
  }

  // The subscribe request that names a feed the server described.
  function requestOf(frame) {
    const request = { action: "subscribe", instance: frame.instance, source: frame.source, pattern: frame.pattern,
      exchange: frame.exchange, binding_key: frame.binding_key, mode: frame.mode };
    if (frame.filter) request.filter = frame.filter;
    return request;
  }

  // request, with the filter on the server asked now (or none).
  function filtered(request) {
    const copy = { ...request };
    delete copy.filter;
    if (serverFilter) copy.filter = serverFilter;
    return copy;
  }

  // Stop a feed: its frames still on their way are not taken for a feed anew.
  function leave(id, request) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      send({ ...request, action: "unsubscribe" });
      leaving.add(id); // until the server says "unsubscribed"
    }
    const feed = feeds.get(id);
    if (feed) feed.element.remove(); // at once: while disconnected, it must not come back
    feeds.delete(id);
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
    const only = frame.filter ? ` · only “${visible(frame.filter)}”` : "";
    label.textContent = `${frame.source}: ${visible(what)}${only}`;
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
      if (feed) leave(frame.feed, feed.request);
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
  // The rows kept are data (kept, oldest first, at most "Keep"); the table draws only
  // the rows in sight, in a scroller as tall as all of them: so a frame costs the same
  // whether 200 or 2,000 rows are kept, at any rate.
  const ROW_HEIGHT = 28; // px: .live-rows tbody tr in app.css
  const scroller = $("live-scroll");
  const spacer = $("live-spacer");
  let kept = [];
  let view = kept; // the rows kept that the filter in the browser lets through

  // What came since the last animation frame, drawn in one batch with the counters
  // (or the rows in sight again, after a scroll or a change of filter).
  function draw() {
    drawing = false;
    let shift = 0;
    if (pending.length) {
      const filter = browserFilter();
      const added = filter ? pending.filter((message) => matches(message, filter)).length : pending.length;
      kept = kept.concat(pending);
      counts.shown += pending.length;
      pending = [];
      const cap = Number($("live-cap").value);
      if (kept.length > cap) kept = kept.slice(-cap);
      // Someone reading further down keeps the same rows in sight as new ones come on top
      // (once the spacer has grown to let the scroller go that far).
      if (scroller.scrollTop > 0) shift = added * ROW_HEIGHT;
    }
    render(shift);
    showCounts(); // with the rows: a count behind them would contradict the table
  }

  // The rows in sight, newest on top, from the scroller's position (moved down by shift
  // pixels first: the rows added on top).
  function render(shift = 0) {
    const filter = browserFilter();
    view = filter ? kept.filter((message) => matches(message, filter)) : kept;
    const head = spacer.querySelector("thead").offsetHeight;
    spacer.style.height = `${head + Math.max(1, view.length) * ROW_HEIGHT}px`;
    if (shift) scroller.scrollTop += shift;
    rows.dataset.kept = kept.length;
    rows.dataset.shown = view.length;
    if (!view.length) return showPlaceholder(filter);
    const inSight = Math.ceil((scroller.clientHeight - head) / ROW_HEIGHT) + 1;
    const first = Math.max(0, Math.min(Math.floor(scroller.scrollTop / ROW_HEIGHT), view.length - inSight));
    const count = Math.min(inSight, view.length - first);
    const placeholder = rows.querySelector(".placeholder");
    if (placeholder) placeholder.remove();
    while (rows.children.length < count) rows.append(emptyRow());
    while (rows.children.length > count) rows.lastElementChild.remove();
    for (let index = 0; index < count; index += 1) {
      fill(rows.children[index], view[view.length - 1 - first - index]);
    }
  }

  function showPlaceholder(filter) {
    const row = document.createElement("tr");
    const cell = document.createElement("td");
    row.className = "placeholder";
    cell.colSpan = 4;
    cell.className = "empty";
    cell.textContent = filter ? "No row kept holds this text." : "Watch a feed to see its messages here.";
    row.append(cell);
    rows.replaceChildren(row);
  }

  function emptyRow() {
    const row = document.createElement("tr");
    for (const name of ["", "", "key", "mono payload"]) {
      const cell = document.createElement("td");
      cell.className = name;
      row.append(cell);
    }
    return row;
  }

  function fill(row, message) {
    if (row.message === message) return;
    row.message = message;
    const where = message.node ? `${message.channel} @ ${message.node}` : message.channel;
    const values = [clock(message.ts), message.source, where, payloadText(message).slice(0, 300)];
    values.forEach((value, index) => { row.cells[index].textContent = value; });
  }

  // The filter over the rows kept, any case: "" when it runs on the server instead.
  function browserFilter() {
    return $("live-filter-where").value === "browser" ? $("live-filter").value.toLowerCase() : "";
  }

  // A filter on the server: every feed asked for again with it (a feed of its own);
  // those asked for and not confirmed yet are asked again once confirmed (receive).
  function filterOnServer() {
    const wanted = $("live-filter-where").value === "server" ? $("live-filter").value : "";
    if (wanted === serverFilter) return;
    serverFilter = wanted;
    asked = asked.map(filtered);
    for (const [id, feed] of [...feeds]) {
      leave(id, feed.request);
      subscribe(filtered(feed.request));
    }
  }

  // The rows kept (and those still to draw, or held while paused), oldest first, one
  // message a line as the server sent it.
  function download() {
    const lines = kept.concat(pending, held).map((message) => JSON.stringify(message) + "\n");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob(lines, { type: "application/x-ndjson" }));
    link.download = `live-${new Date().toISOString().replace(/[:.]/g, "-")}.ndjson`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function matches(message, filter) {
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
    event.target.setAttribute("aria-pressed", String(paused));
    if (!paused) { // what came meanwhile: drawn now, the newest "Keep" of it
      const passed = heldCount - held.length;
      if (passed > 0) {
        showError(`${heldCount.toLocaleString("en-US")} messages arrived while paused: the newest ${held.length.toLocaleString("en-US")} are shown, ${passed.toLocaleString("en-US")} passed (Keep more rows to hold more).`);
      }
      pending = keepNewest(pending.concat(held));
      held = [];
      heldCount = 0;
      askToDraw();
    }
  });
  $("live-clear").addEventListener("click", () => {
    kept = [];
    render();
  });
  scroller.addEventListener("scroll", askToDraw, { passive: true });
  $("live-cap").addEventListener("change", () => {
    kept = kept.slice(-Number($("live-cap").value));
    render();
  });
  $("live-download").addEventListener("click", download);
  $("live-filter").addEventListener("input", askToDraw);
  $("live-filter").addEventListener("change", filterOnServer); // Enter, or leaving the box
  $("live-filter-where").addEventListener("change", () => {
    askToDraw();
    filterOnServer();
  });
  document.addEventListener("click", (event) => {
    const channel = event.target.dataset && event.target.dataset.watch;
    if (channel === undefined) return;
    const mode = event.target.dataset.mode || "channel";
    form.elements.source.value = mode === "shard" ? "shard" : "redis";
    form.elements.pattern.value = channel;
    showFields();
    subscribe(filtered({ action: "subscribe", instance, source: "redis", pattern: channel, mode }));
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
