// Small progressive enhancements; every page works without them except the Connect popup.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 50);
  }
  function showSlug(input) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-slug-preview="#' + input.id + '"]'), function (el) {
      el.textContent = input.value || "your-org";
    });
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches) return;
    if (el.matches("[data-slug-source]")) {
      var target = document.querySelector(el.getAttribute("data-slug-source"));
      if (target && !target.hasAttribute("data-edited")) { target.value = slugify(el.value); showSlug(target); }
    } else if (el.id && document.querySelector('[data-slug-preview="#' + el.id + '"]')) {
      el.setAttribute("data-edited", "");
      showSlug(el);
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.id) {
      Array.prototype.forEach.call(document.querySelectorAll('[data-shown-by="#' + el.id + '"]'), function (section) {
        section.hidden = !el.checked;
      });
    }
    if (el.matches && el.matches("select[data-autosubmit]")) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest("[data-nav-toggle]") : null;
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = !nav.classList.contains("open");
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    // An open account menu closes when the click lands elsewhere.
    Array.prototype.forEach.call(document.querySelectorAll("details.account-menu[open]"), function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
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
