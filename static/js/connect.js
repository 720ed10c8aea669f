// The Connect popup. The opener POSTs the Connect form into a named popup window (login never happens
// on GET); the flow ends on a page that postMessages its opener (target origin: the portal's) and closes.
// The opener checks event.origin, and polls a status endpoint in case the message never arrives.
// A blocked popup falls back to a full-page redirect that returns to this page.
(function () {
  "use strict";
  var POLL_MS = 1500;
  var GIVE_UP_MS = 15 * 60 * 1000;
  var CLOSED_POLLS = 3; // polls after the popup closed with no result before we say so

  // --- the page the flow ends on (in the popup, or full page) ---------------------------------
  function endPage(box) {
    var data = JSON.parse(document.getElementById("scm-connect-result").textContent);
    var opener = null;
    try { opener = window.opener; } catch (e) { opener = null; }
    var close = document.querySelector("[data-close-window]");
    if (close) close.addEventListener("click", function () { window.close(); });
    if (!opener || opener.closed) return; // full page: the "Back to the portal" link stays
    document.querySelector("[data-popup-only]").hidden = false;
    document.querySelector("[data-page-only]").hidden = true;
    opener.postMessage(data, box.getAttribute("data-target-origin"));
    // Success closes at once; a failure stays open so its message can be read here too.
    if (data.ok) window.close();
  }

  // --- the opener: the Connections page, or New environment asking to connect -------------------------------------------------------
  function openerPage(root) {
    var origin = root.getAttribute("data-portal-origin");
    var loadedAt = Date.now();
    var serverNow = parseFloat(root.getAttribute("data-server-now")) || 0;
    var pending = {};
    var lastPopup = {};
    var ignored = 0;

    function serverTime() { return serverNow + (Date.now() - loadedAt) / 1000; }

    function show(ok, message) {
      var box = document.getElementById("connect-result");
      box.textContent = message;
      box.className = "connect-result msg " + (ok ? "msg-success" : "msg-error");
      box.hidden = false;
    }

    // The card comes from the server, rendered by the same template as the page: never patched here.
    function refreshCard(id) {
      var section = document.getElementById("integration-" + id);
      var url = section && section.getAttribute("data-card-url");
      if (!url || !window.htmx) return; // a page that shows no connection card (New environment)
      window.htmx.ajax("GET", url, { target: section, swap: "outerHTML" });
    }

    function finish(id, ok, message) {
      var attempt = pending[id];
      if (!attempt) return;
      window.clearTimeout(attempt.timer);
      delete pending[id];
      show(ok, message);
      if (attempt.popup && !attempt.popup.closed && ok) { try { attempt.popup.close(); } catch (e) { /* gone */ } }
      refreshCard(id);
      // Pages that were waiting for this connection (New environment) carry on from here.
      if (ok) document.dispatchEvent(new CustomEvent("scm:connected", { detail: { integration: id } }));
    }

    function poll(id, url, since, then) {
      var request = new XMLHttpRequest();
      request.open("GET", url + "?since=" + encodeURIComponent(since));
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) return then(null);
        try { then(JSON.parse(request.responseText)); } catch (e) { then(null); }
      };
      request.onerror = function () { then(null); };
      request.send();
    }

    function tick(id) {
      var attempt = pending[id];
      if (!attempt) return;
      poll(id, attempt.url, attempt.since, function (answer) {
        if (!pending[id]) return;
        if (answer && answer.state === "connected") return finish(id, true, answer.message);
        if (answer && answer.state === "failed") return finish(id, false, answer.message);
        var closed = false;
        try { closed = !attempt.popup || attempt.popup.closed; } catch (e) { closed = false; }
        attempt.closedPolls = closed ? attempt.closedPolls + 1 : 0;
        if (attempt.closedPolls >= CLOSED_POLLS) {
          return finish(id, false, "The connection window was closed before it finished. Nothing was connected. " +
                        "If the provider said the redirect_uri does not match, the callback URL in its OAuth app " +
                        "is not this integration's: an org admin copies it again from the runner's page " +
                        "(Configure repository access, Edit).");
        }
        if (Date.now() - attempt.started > GIVE_UP_MS) {
          return finish(id, false, "The connection did not finish in time. Start again with Connect.");
        }
        attempt.timer = window.setTimeout(function () { tick(id); }, POLL_MS);
      });
    }

    document.addEventListener("submit", function (event) {
      var form = event.target.closest ? event.target.closest("form[data-connect]") : null;
      if (!form) return;
      var next = form.querySelector("input[name=next]");
      var id = form.getAttribute("data-integration");
      // A window left open by an earlier attempt (on a failure page, or behind this one) is closed and a
      // fresh one opened under a new name: reusing the name would load into it without bringing it forward.
      if (pending[id]) {
        window.clearTimeout(pending[id].timer);
        try { if (pending[id].popup && !pending[id].popup.closed) pending[id].popup.close(); } catch (e) { /* gone */ }
      }
      if (lastPopup[id]) { try { if (!lastPopup[id].closed) lastPopup[id].close(); } catch (e) { /* gone */ } }
      var name = form.getAttribute("data-window") + "-" + Date.now().toString(36);
      var popup = window.open("", name, "popup=yes,width=760,height=820");
      if (!popup) {
        // Blocked: go the whole way in this window; the flow comes back to this page.
        form.target = "_self";
        next.value = form.getAttribute("data-page-next");
        return;
      }
      form.target = name;
      next.value = form.getAttribute("data-popup-next");
      lastPopup[id] = popup;
      try { popup.focus(); } catch (e) { /* focus is a hint */ }
      pending[id] = { popup: popup, url: form.getAttribute("data-status-url"), since: serverTime() - 1,
                      started: Date.now(), closedPolls: 0, timer: null };
      document.getElementById("connect-result").hidden = true;
      pending[id].timer = window.setTimeout(function () { tick(id); }, POLL_MS);
    });

    window.addEventListener("message", function (event) {
      var data = event.data;
      var known = data && data.type === "scm-connect-result" && pending[String(data.integration)];
      if (event.origin !== origin || !known) {
        // Anyone can post to this window; only our own popup's page, from the portal's origin, counts.
        ignored += 1;
        root.setAttribute("data-ignored-messages", String(ignored));
        return;
      }
      finish(String(data.integration), !!data.ok, String(data.message || ""));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-oauth-result]");
    if (box) endPage(box);
    var root = document.querySelector("[data-connections]");
    if (root) openerPage(root);
  });
})();
