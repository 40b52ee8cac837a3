// Live progress of a keyspace analysis, pushed over /ws/analyses/<id>/; once one that
// was running when the page was drawn ends, the page is drawn again with its report.
(function () {
  const card = document.querySelector("[data-analysis]");
  if (!card) return;
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  const number = (value) => Number(value).toLocaleString("en-US");
  const unfinished = (status) => status === "queued" || status === "running";
  const drawnRunning = unfinished(card.dataset.status);
  // A stop asked here is answered by its own page (with its message): no reload then.
  let leaving = false;
  card.addEventListener("submit", () => { leaving = true; });

  function show(state) {
    field("status").textContent = state.status;
    field("status").className = `badge badge-${state.status}`;
    field("scanned").textContent = number(state.scanned);
    const total = Number(card.dataset.total) || 0;
    const examined = Math.min(state.examined, total);  // SCAN's keys, under the prefix or not
    field("examined").textContent = number(examined);
    const share = state.status === "done" ? 1 : total ? examined / total : 0;
    field("bar").value = Math.round(share * 100);
    if (state.error) {
      field("error").hidden = false;
      field("error").textContent = state.error;
    }
    if (!unfinished(state.status)) {
      const stop = field("stop");
      if (stop) stop.closest("form").remove();
      if (drawnRunning && !leaving) {
        field("reload").hidden = false;
        location.reload();
      }
    }
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/analyses/${card.dataset.analysis}/`);
  socket.addEventListener("open", () => { document.body.dataset.socket = "open"; });
  socket.addEventListener("message", (event) => show(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    document.body.dataset.socket = "closed";
    if (event.code === 4403) {
      field("error").hidden = false;
      field("error").textContent = "Progress stopped: your account may no longer see this instance. Log in again, or ask an administrator.";
    }
  });
})();
