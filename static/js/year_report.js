// The measure page's year sections (htmx): a refused report (400, invalid; 403, the year was closed
// meanwhile; 409, changed meanwhile) comes back as the section with the reason, so it replaces the
// section like a success.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 403 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// The measure page's report forms: choosing a status saves nothing (the 保存 button does).
// Choosing 已完成 shows the date-done step at once (today unless changed) and the button becomes
// 确认完成, which confirms it; choosing another status hides the step again. Without this
// script the server asks for the same step after 保存. Delegated: htmx swaps the forms in.
document.addEventListener("change", function (event) {
  var select = event.target;
  var form = select.closest && select.closest("form.progress-form");
  if (!form || select.name !== form.querySelector("select").name) {
    return;
  }
  var done = select.value === form.dataset.doneValue;
  var step = form.querySelector(".done-step");
  var confirm = form.querySelector('input[name$="confirm_done"]');
  var button = form.querySelector('button[type="submit"]');
  var date = step.querySelector('input[name$="done_on"]');
  step.hidden = !done;
  confirm.value = done ? "1" : "";
  button.textContent = done ? button.dataset.doneLabel : button.dataset.saveLabel;
  if (done && !date.value) {
    date.value = date.max;
  }
});
