// Progressive enhancement of the shell: without JavaScript every page still works.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Django messages arrive as alerts inside main; float them as Bootstrap toasts that hide
  // themselves after a success (errors and warnings stay until closed).
  const box = document.querySelector(".app-messages");
  if (box && window.bootstrap) {
    box.classList.add("app-toasts");
    box.querySelectorAll(".toast").forEach((el) => {
      bootstrap.Toast.getOrCreateInstance(el).show();
      el.addEventListener("hidden.bs.toast", () => el.remove());
    });
  }
});

// Behaviour that would otherwise be inline (the Content-Security-Policy allows no inline
// script): a select that submits its form when changed, a "back" button.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches && el.matches("[data-app-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", (event) => {
  const el = event.target.closest && event.target.closest("[data-app-back]");
  if (el) {
    event.preventDefault();
    history.back();
  }
});
