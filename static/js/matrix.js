// The permission matrix (templates/org/capabilities.html). A cell is a bare select: changing it
// posts the position (its row's data-pk), the capability (its cell's) and the scope, and the
// answer replaces the cell (one listener for the whole page rather than htmx attributes on
// every cell, which kept the page small).
// htmx swaps only 2xx answers: a refused change (400, 403) comes back as the cell with the
// reason, to be shown in place; any other failure puts the cell's select back and says so.
(() => {
  const inMatrix = (el) => el && el.closest && el.closest("[data-testid=matrix]");
  document.addEventListener("change", (event) => {
    const select = event.target;
    const table = inMatrix(select);
    if (!table || select.tagName !== "SELECT" || select.name !== "scope") return;
    const cell = select.closest("td[data-capability]");
    const row = select.closest("tr[data-pk]");
    if (!cell || !row) return;
    htmx.ajax("POST", table.dataset.url, {
      source: select,
      target: cell,
      swap: "outerHTML",
      values: { position: row.dataset.pk, capability: cell.dataset.capability, scope: select.value },
    });
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr, target } = event.detail;
    if (inMatrix(target) && [400, 403].includes(xhr.status) && xhr.responseText.trimStart().startsWith("<td")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  const failed = (event) => {
    const select = event.detail.elt;
    const table = inMatrix(select);
    if (!table || select.tagName !== "SELECT") return;
    const stored = select.querySelector("option[selected]");
    select.value = stored ? stored.value : "";
    const cell = select.closest("td");
    cell.classList.add("matrix-error");
    let message = cell.querySelector(".matrix-msg");
    if (!message) {
      message = document.createElement("small");
      cell.append(message);
    }
    message.className = "matrix-msg text-danger";
    message.setAttribute("role", "alert");
    const text = event.detail.xhr ? event.detail.xhr.responseText.trim() : "";
    message.textContent = text && text.length < 300 && !text.startsWith("<") ? text : table.dataset.error;
  };
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
})();
