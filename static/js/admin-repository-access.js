// The Runner admin's "Repository access" rows. A new row shows only the chosen provider's lines (required
// scopes, optional scopes, callback URL), or "Choose a provider first"; its callback URL is asked of the
// portal as the host is typed (derived on the server from runner, provider and host, as in the dialog).
// Saved rows have their provider fixed and show only their own lines already.
(function () {
  "use strict";

  // /admin/runners/runner/5/change/ -> /admin/runners/runner/5/callback-url/ (none on the add page).
  const endpoint = /\/change\/$/.test(location.pathname)
    ? location.pathname.replace(/change\/$/, "callback-url/") : null;
  const timers = new WeakMap();

  function show(el, visible) { el.style.display = visible ? "" : "none"; }

  function showCallback(row, chosen) {
    const line = Array.from(row.querySelectorAll(".field-callback_url_display .per-provider"))
      .find((el) => el.dataset.provider === chosen);
    if (!line || !endpoint) return;
    if (line.dataset.original === undefined) line.dataset.original = line.innerHTML;
    const host = row.querySelector("input[name$='-host']");
    const query = new URLSearchParams({ provider: chosen, host: host ? host.value : "" });
    fetch(endpoint + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) return;
        if (!data.callback_url) { line.innerHTML = line.dataset.original; return; }
        const code = document.createElement("code");
        code.className = "callback-url";
        code.textContent = data.callback_url;
        line.replaceChildren(line.dataset.name + ": ", code);
      })
      .catch(() => {});
  }

  function update(row) {
    const select = row && row.querySelector("select[name$='-provider']");
    if (!select || select.disabled) return;
    const chosen = select.value;
    row.querySelectorAll(".choose-provider-first").forEach((el) => show(el, !chosen));
    row.querySelectorAll(".per-provider").forEach((el) => show(el, el.dataset.provider === chosen));
    const groups = new Map();
    row.querySelectorAll("input[data-provider]").forEach((input) => {
      const mine = input.dataset.provider === chosen;
      if (!mine) input.checked = false; // another provider's scope would be dropped on save anyway
      const option = input.closest("div");
      show(option, mine);
      const group = option.parentElement;
      groups.set(group, groups.get(group) || mine);
    });
    groups.forEach((visible, group) => show(group, visible));
    if (chosen) showCallback(row, chosen);
  }

  function later(row) {
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(() => update(row), 250));
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-provider'], input[name$='-host']")) {
      update(event.target.closest(".inline-related"));
    }
  });
  document.addEventListener("input", (event) => {
    if (event.target.matches("input[name$='-host']")) later(event.target.closest(".inline-related"));
  });
  document.addEventListener("formset:added", (event) => update(event.target));
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".inline-related").forEach(update);
  });
})();
