// The key list: "Continue" appends the next page of rows (htmx). Past the table's
// data-max-rows the oldest rows go, and a note at the top says so: a walk through a
// large keyspace must not slow the page down until it stops answering.
(function () {
  const table = document.querySelector("table.keys[data-max-rows]");
  if (!table) return;
  const limit = Number(table.dataset.maxRows);
  const body = table.tBodies[0];
  let removed = 0;

  function trim() {
    const rows = body.querySelectorAll("tr.key-row");
    const extra = rows.length - limit;
    if (extra <= 0) return;
    const kept = rows[extra]; // it stays where it is on the screen
    const before = kept.getBoundingClientRect().top;
    for (let index = 0; index < extra; index += 1) rows[index].remove();
    removed += extra;
    showNote();
    window.scrollBy(0, kept.getBoundingClientRect().top - before);
  }

  function showNote() {
    let note = body.querySelector("tr.trimmed");
    if (!note) {
      note = document.createElement("tr");
      note.className = "trimmed";
      const cell = document.createElement("td");
      cell.colSpan = table.tHead.rows[0].cells.length;
      const text = document.createElement("span");
      const link = document.createElement("a");
      link.className = "button button-quiet";
      link.href = table.dataset.firstPage;
      link.textContent = "Start again";
      cell.append(text, link);
      note.append(cell);
      body.prepend(note);
    }
    const figure = (n) => n.toLocaleString("en-US");
    note.querySelector("span").textContent = `Earlier rows were removed: the newest ${figure(limit)} `
      + `are shown (${figure(removed)} removed, to keep the page fast); start again to see from the beginning.`;
  }

  document.body.addEventListener("htmx:afterSwap", trim); // before the page is drawn
})();
