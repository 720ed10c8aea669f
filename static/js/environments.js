// New environment: once the Connect popup reports success (connect.js fires "scm:connected"), submit the
// environment form again with the URL the user pasted; after a full-page Connect (popup blocked) the page comes
// back with ?continue=1 and does the same once.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-environment-form]");
    if (!form) return;
    var sent = false;
    function go() {
      if (sent) return;
      sent = true;
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.textContent = "Starting…"; }
      form.submit();
    }
    document.addEventListener("scm:connected", go);
    if (form.hasAttribute("data-continue-now")) go();
  });
})();
