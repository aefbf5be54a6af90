// The top bar on a narrow screen: the menus fold behind the 菜单 button, which opens and closes
// them and says so (aria-expanded). Without this script the menus stay open and wrap.
document.addEventListener("DOMContentLoaded", function () {
  var topbar = document.querySelector(".topbar");
  var toggle = topbar && topbar.querySelector(".nav-toggle");
  if (!toggle) {
    return;
  }
  topbar.classList.add("nav-collapsible");
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    topbar.classList.toggle("nav-open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && topbar.classList.contains("nav-open")) {
      toggle.setAttribute("aria-expanded", "false");
      topbar.classList.remove("nav-open");
      toggle.focus();
    }
  });
});
