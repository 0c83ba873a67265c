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

// A page Back (or Forward) brings from the browser's back-forward cache is
// the page as it was left, though it is sent no-store: a list's filters as
// they were chosen but not sent, an inbox's notices unread that were since
// read. Such a page is fetched again, unless the user has typed into one
// of its forms that post: that stays as it was left, nothing typed lost
// (its version or key still catches a change made meanwhile).
window.addEventListener("pageshow", function (event) {
  if (event.persisted && !typedIn()) { location.reload(); }
});

// typedIn tells whether a field of a posting form differs from what the
// page was sent with.
function typedIn() {
  return Array.prototype.some.call(document.querySelectorAll('form[method="post"]'), function (form) {
    return Array.prototype.some.call(form.elements, changed);
  });
}

function changed(el) {
  if (el.type === "checkbox" || el.type === "radio") { return el.checked !== el.defaultChecked; }
  if (el.options) {
    var anyDefault = Array.prototype.some.call(el.options, function (o) { return o.defaultSelected; });
    return Array.prototype.some.call(el.options, function (o, i) {
      var sent = anyDefault ? o.defaultSelected : (!el.multiple && i === 0);
      return o.selected !== sent;
    });
  }
  if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "file") { return false; }
  return "defaultValue" in el && el.value !== el.defaultValue;
}
