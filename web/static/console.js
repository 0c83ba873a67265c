// Progressive enhancement only: every page works without this file.
// A "Print" button on the permit page; focus moves to an error summary.
// The new-request form's one-off key is kept with the page's history
// entry: a browser that fetches the form afresh on Back (it is never
// cached) restores what was typed but renders a new key, and this puts
// the first one back, so that sending the form again is still caught.
document.addEventListener("DOMContentLoaded", function () {
  var key = document.querySelector('input[name="form_key"]');
  if (key) {
    var kept = history.state && history.state.formKey;
    if (kept) { key.value = kept; } else { history.replaceState({formKey: key.value}, ""); }
  }
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
});
