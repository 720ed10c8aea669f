// Seals the client secret of the "Configure repository access" form in the browser (static/js/hpke.js),
// so the portal never receives it: the form posts `client_secret_sealed` (base64 of enc || ct) and
// `suite`, and the plaintext field is cleared and disabled before the request leaves.
//
// The form opts in with data-seal-context (the URL that gives the runner's key, the `info` binding runner
// and integration, and the token URL to seal beside the secret). Without JavaScript, or where the browser
// or the runner's agent cannot do it, the form posts the secret and the portal seals it; the note beside
// the field says which of the two happens. Works for dialogs htmx loads later: listeners are delegated.
// It also keeps the typed secret across the dialog's re-renders (below).
(function () {
  "use strict";

  const utf8 = (text) => new TextEncoder().encode(text);

  function base64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  function unbase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function formsIn(root) {
    const found = root.querySelectorAll ? Array.from(root.querySelectorAll("form[data-seal-context]")) : [];
    if (root.matches && root.matches("form[data-seal-context]")) found.push(root);
    return found;
  }

  let support; // one WebCrypto probe per page
  function browserCanSeal() {
    if (support === undefined) support = window.ScmHpke ? window.ScmHpke.supported() : Promise.resolve(false);
    return support;
  }

  // The note beside the field: "sealed in your browser" only when it will be.
  async function describe(form) {
    const note = form.querySelector("[data-seal-note]");
    if (!note) return;
    const runnerTakesIt = form.getAttribute("data-browser-seal") === "1";
    if (runnerTakesIt && await browserCanSeal()) {
      note.textContent = note.getAttribute("data-browser-text");
      form.setAttribute("data-seal-active", "1");
    } else if (runnerTakesIt) {
      note.textContent = note.getAttribute("data-unsupported-text");
    }
  }

  function showError(form, message) {
    const box = form.querySelector("[data-seal-error]");
    if (box) {
      box.textContent = message;
      box.classList.add("error"); // styled as the form's own errors, only while there is one
      box.hidden = false;
    }
  }

  async function sealInto(form) {
    const field = form.querySelector("input[name=client_secret]");
    const secret = field.value.trim();
    if (/\s/.test(secret)) throw new Error("A client secret has no spaces or line breaks; check what was pasted.");
    const value = (name) => (form.elements[name] ? form.elements[name].value : "");
    const query = new URLSearchParams({ provider: value("provider"), host: value("host"),
      integration: form.getAttribute("data-integration") || "" });
    // Provider options as typed, saved or not: an Entra tenant is part of the token URL sealed beside the secret.
    Array.from(form.elements).filter((el) => el.name && el.name.startsWith("options."))
      .forEach((el) => query.set(el.name, el.value));
    const response = await fetch(form.getAttribute("data-seal-context") + "?" + query,
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    const context = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((context.error && context.error.message) || "The portal did not give the runner's key.");
    }
    // The same document the portal seals (runners/protocol/sealing.py client_secret_document).
    const documentJson = JSON.stringify({ client_id: value("client_id").trim(), client_secret: secret,
      token_url: context.token_url, client_auth: context.client_auth });
    const sealed = await window.ScmHpke.seal(unbase64(context.public_key), utf8(context.info), new Uint8Array(0),
      utf8(documentJson));
    const blob = new Uint8Array(sealed.enc.length + sealed.ct.length);
    blob.set(sealed.enc, 0);
    blob.set(sealed.ct, sealed.enc.length);
    form.elements.client_secret_sealed.value = base64(blob);
    form.elements.suite.value = context.suite;
    // Cleared and disabled: a disabled field is not part of the request, by htmx or the browser.
    field.value = "";
    field.disabled = true;
  }

  // What was typed survives the dialog's own re-renders (an error in another field, switching provider):
  // the portal never renders a secret back, so the browser puts it back into the new form. It lives in
  // memory only, from the moment htmx replaces the form to the moment the new one is in place; closing the
  // dialog forgets it. Put back as plaintext, it is sealed again (for the provider and host then shown)
  // on the next submit, like a freshly typed one.
  const typed = new WeakMap(); // form -> its secret as typed; sealing clears the field before htmx sends
  let carried = null; // {action, secret} between htmx:beforeSwap and htmx:afterSwap

  function secretField(root) {
    const form = root && root.querySelector ? root.querySelector("form[data-seal-context]") : null;
    const field = form ? form.querySelector("input[name=client_secret]") : null;
    return field ? { form: form, field: field } : null;
  }

  // Registered before the sealing listener below, so it reads the field before sealing clears it.
  document.addEventListener("submit", function (event) {
    const field = event.target.querySelector && event.target.querySelector("input[name=client_secret]");
    if (field && !field.disabled && field.value) typed.set(event.target, field.value);
  }, true);

  document.addEventListener("htmx:beforeSwap", function (event) {
    carried = null;
    const old = event.detail.shouldSwap ? secretField(event.detail.target) : null;
    if (!old) return;
    const secret = old.field.value || typed.get(old.form) || "";
    if (secret) carried = { action: old.form.getAttribute("action"), secret: secret };
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const kept = carried;
    carried = null;
    const found = kept ? secretField(event.detail.target) : null;
    // Only into the same dialog (the same runner's "add", or the same integration's "edit").
    if (!found || found.form.getAttribute("action") !== kept.action) return;
    if (!found.field.disabled && !found.field.value) found.field.value = kept.secret;
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("data-seal-active") !== "1") return;
    if (form.getAttribute("data-sealed") === "1") return; // the second, real submission
    const field = form.querySelector("input[name=client_secret]");
    if (!field || field.disabled || !field.value) return; // nothing to seal: keep the saved secret
    // Capture phase on the document: neither htmx nor the browser sees this submission.
    event.preventDefault();
    event.stopImmediatePropagation();
    const box = form.querySelector("[data-seal-error]");
    if (box) box.hidden = true;
    sealInto(form).then(function () {
      form.setAttribute("data-sealed", "1");
      form.requestSubmit();
    }, function (err) {
      showError(form, "Not sent: " + err.message);
    });
  }, true);

  function init(root) { formsIn(root).forEach(describe); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  if (document.readyState !== "loading") init(document);
})();
