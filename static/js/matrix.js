// htmx swaps only 2xx answers: a refused change (400, 403) comes back as the cell with the
// reason, to be shown in place; any other failure puts the cell's select back and says so.
(() => {
  const inMatrix = (el) => el && el.closest && el.closest("[data-testid=matrix]");
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
