// The measure page's year sections (htmx): a refused report (400, invalid; 409, changed meanwhile)
// comes back as the section with the form and its errors, so it replaces the section like a success.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 400 || event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
