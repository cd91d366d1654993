// The call screen (crm:followup_call): the outcome buttons answer to their access key with Alt
// (and Alt+Shift), whatever the browser's own access-key modifier is, and the chosen outcome
// gets the focus, so the note can follow with Tab. Without JavaScript the accesskey attributes
// and plain clicks still work.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey || !event.key) return;
  const form = document.getElementById("call-form");
  if (!form) return;
  const key = event.key.toLowerCase();
  const radio = form.querySelector(`input[name="outcome"][accesskey="${CSS.escape(key)}"]`);
  if (!radio || radio.disabled) return;
  event.preventDefault();
  radio.checked = true;
  radio.dispatchEvent(new Event("change", { bubbles: true }));
  radio.focus();
});
