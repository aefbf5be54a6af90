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
