// The admin import preview's column table: choosing another field for a column reads the file
// again at once with that mapping (the form's "按所选重新读取" button does the same without script).
document.addEventListener("change", function (event) {
  var form = event.target.closest("form[data-reread-on-change]");
  if (!form || event.target.tagName !== "SELECT") {
    return;
  }
  form.requestSubmit(form.querySelector("input[name=reread]"));
});
