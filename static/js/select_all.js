// A "select all" checkbox (data-select-all="FORM-ID") ticks every row checkbox of that form.
// Without JavaScript it stays hidden and each row is ticked by hand.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var form = all.getAttribute("data-select-all");
    var boxes = function () {
      return document.querySelectorAll('input[type="checkbox"][form="' + form + '"]:not([disabled])');
    };
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  });
});
