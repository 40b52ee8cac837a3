// Live progress of an invalidation job, pushed over /ws/invalidations/<id>/.
(function () {
  const card = document.querySelector("[data-job]");
  if (!card) return;
  const field = (name) => card.querySelector(`[data-field="${name}"]`);
  const number = (value) => Number(value).toLocaleString("en-US");
  let previous = null;

  function show(job) {
    field("status").textContent = job.status;
    field("status").className = `badge badge-${job.status}`;
    field("deleted").textContent = number(job.deleted);
    field("scanned").textContent = number(job.scanned);
    const estimate = Number(card.dataset.estimate) || 0;
    const share = job.status === "done" ? 1 : estimate ? Math.min(1, job.deleted / estimate) : 0;
    field("bar").value = Math.round(share * 100);
    const now = performance.now();
    if (previous && now > previous.at && job.status === "running") {
      const rate = ((job.deleted - previous.deleted) * 1000) / (now - previous.at);
      field("rate").textContent = `${number(Math.round(rate))}/s`;
      const left = estimate - job.deleted;
      field("eta").textContent = rate > 0 && left > 0 ? `about ${Math.ceil(left / rate)} s left` : "";
    } else if (job.status !== "running") {
      field("eta").textContent = "";
    }
    previous = { at: now, deleted: job.deleted };
    const cluster = job.nodes.length > 0;  // a cluster job's frames name its primaries
    if (cluster) showNodes(job.nodes);
    field("failover-cluster").hidden = !cluster;
    field("failover-master").hidden = cluster;
    if (job.failovers) {
      field("failovers").hidden = false;
      field("failover-count").textContent = job.failovers;
      field("failover-times").textContent = job.failovers === 1 ? "time" : "times";
    }
    if (job.error) {
      field("error").hidden = false;
      field("error").textContent = job.error;
    }
    if (job.status !== "queued" && job.status !== "running" && field("cancel")) {
      field("cancel").closest("form").remove();
    }
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  function showNodes(nodes) {
    const rows = nodes.map((seen) => {
      const row = document.createElement("tr");
      [["num", seen.slot], ["mono", seen.node], ["num", number(seen.deleted)]].forEach(([kind, text]) => {
        const cell = row.insertCell();
        cell.className = kind;
        cell.textContent = text;
      });
      return row;
    });
    field("nodes").tBodies[0].replaceChildren(...rows);
    field("nodes").hidden = false;
  }

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/invalidations/${card.dataset.job}/`);
  socket.addEventListener("open", () => { document.body.dataset.socket = "open"; });
  socket.addEventListener("message", (event) => show(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    document.body.dataset.socket = "closed";
    if (event.code === 4403) { // the server closed it: this account may see this job no more
      field("error").hidden = false;
      field("error").textContent = "Progress stopped: your account may no longer see this instance. Log in again, or ask an administrator.";
    }
  });
})();
