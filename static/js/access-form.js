// The "Configure repository access" dialog: switching provider and back gives back what that provider's
// own fields held (host, workspace, options, optional scopes). The portal carries what every provider
// has (Client ID, toggles; seal-secret.js keeps the secret); these fields mean something else per
// provider, so they are remembered per provider, in memory, while the same dialog stays open.
(function () {
  "use strict";

  let memory = {}; // provider id -> {field name: value, or the checked values of a checkbox group}
  let memoryFor = null; // the form action the memory belongs to
  let switching = null; // the provider being left, between htmx:beforeSwap and htmx:afterSettle

  const isProviderField = (el) => el.name === "host" || el.name === "workspace" ||
    el.name.startsWith("options.") || el.name === "optional_scopes";

  function accessForm(root) {
    return root && root.querySelector ? root.querySelector("form#access-form") : null;
  }

  function snapshot(form) {
    const values = {};
    Array.from(form.elements).forEach(function (el) {
      if (!el.name || el.disabled || !isProviderField(el)) return;
      if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    Array.from(form.elements).forEach(function (el) {
      if (!el.name || el.disabled || !(el.name in values)) return;
      if (el.type === "checkbox") {
        el.checked = values[el.name].indexOf(el.value) !== -1;
      } else if (!el.value && values[el.name]) {
        el.value = values[el.name];
        // The host decides the callback URL shown: let its htmx "change" trigger fetch it.
        if (el.name === "host") el.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    switching = null;
    const form = accessForm(event.detail.target);
    const elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !event.detail.shouldSwap || !elt || elt.name !== "provider" || elt.tagName !== "SELECT") return;
    // The select already shows the new provider; the one being left is the one the portal rendered.
    const left = Array.from(elt.options).find((o) => o.defaultSelected);
    if (left) {
      memory[left.value] = snapshot(form);
      switching = left.value;
    }
  });

  // After settling: htmx has wired the new form's triggers by then (the host's "change" must reach it).
  document.addEventListener("htmx:afterSettle", function (event) {
    const wasSwitch = switching !== null;
    switching = null;
    if (event.detail.target.id !== "modal-root") return;
    const form = accessForm(event.detail.target);
    if (!form || form.getAttribute("action") !== memoryFor) {
      memory = {}; // another dialog (or the provider picker): start afresh
      memoryFor = form ? form.getAttribute("action") : null;
    }
    if (form && wasSwitch && form.elements.provider && memory[form.elements.provider.value]) {
      restore(form, memory[form.elements.provider.value]);
    }
  });
})();
