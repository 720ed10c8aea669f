// Small progressive enhancements; every page works without them except the Connect popup.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]")) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-copy],[data-confirm],[data-close-modal]") : null;
    if (!el) return;
    if (el.hasAttribute("data-copy")) {
      var source = document.querySelector(el.getAttribute("data-copy"));
      if (!source) return;
      source.select();
      var done = function () { el.textContent = "Copied"; setTimeout(function () { el.textContent = "Copy"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(source.value).then(done, done);
      else { document.execCommand("copy"); done(); }
    } else if (el.hasAttribute("data-confirm")) {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    } else if (el.hasAttribute("data-close-modal")) {
      event.preventDefault();
      var root = document.getElementById("modal-root");
      if (root) root.innerHTML = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { var root = document.getElementById("modal-root"); if (root) root.innerHTML = ""; }
  });
})();
