// Every file input (the pages' and the admin's, and those htmx swaps in): a button in the page's
// language (选择文件) and the names of the files chosen, instead of the browser's own control in
// the browser's language ("Choose Files"). The input itself stays, transparent over the button:
// it keeps its label, focus, keyboard and dropping files on it. Without script the browser's own
// control shows, which works the same. The words come from this script element's data attributes.
(function () {
  "use strict";
  var words = document.currentScript ? document.currentScript.dataset : {};
  var choose = words.choose || "选择文件";
  var none = words.none || "未选择文件";

  function showNames(input, names) {
    var files = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    names.textContent = files.length ? files.join("、") : none;
    names.classList.toggle("chosen", files.length > 0);
  }

  function enhance(input) {
    if (input.dataset.filePick) return;
    input.dataset.filePick = "1";
    var pick = document.createElement("span");
    pick.className = "file-pick";
    var button = document.createElement("span");
    button.className = "button file-pick-button";
    button.setAttribute("aria-hidden", "true");
    button.textContent = choose;
    var names = document.createElement("span");
    names.className = "file-pick-names";
    names.setAttribute("aria-live", "polite");
    input.parentNode.insertBefore(pick, input);
    pick.appendChild(button);
    pick.appendChild(input);
    pick.appendChild(names);
    showNames(input, names);
    input.addEventListener("change", function () { showNames(input, names); });
    if (input.form) input.form.addEventListener("reset", function () { setTimeout(function () { showNames(input, names); }); });
  }

  function enhanceAll(root) {
    var inputs = root.querySelectorAll ? root.querySelectorAll('input[type="file"]') : [];
    Array.prototype.forEach.call(inputs, enhance);
    if (root.matches && root.matches('input[type="file"]')) enhance(root);
  }

  enhanceAll(document);
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
