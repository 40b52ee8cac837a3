// Fragments that refresh themselves: an element with data-refresh-every="N" gets the
// htmx event "refresh" every N seconds while its tab is visible (hx-trigger="refresh").
// A script, not an hx-trigger filter: those are evaluated code, which the CSP forbids.
(function () {
  const last = new WeakMap();
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    const now = Date.now();
    for (const element of document.querySelectorAll("[data-refresh-every]")) {
      const every = Number(element.dataset.refreshEvery) * 1000;
      if (!last.has(element)) last.set(element, now);
      if (every > 0 && now - last.get(element) >= every) {
        last.set(element, now);
        htmx.trigger(element, "refresh");
      }
    }
  }, 250);
})();
