// article5 live pages (dashboard, case, search results): live updates from
// the node's event stream. Progressive enhancement: without JavaScript (or
// without EventSource) a page is as fresh as its last load. With them, the
// page listens to the stream named by its live element's data-live-url
// (GET /api/v1/events/stream, the same login session: the node sends only
// the events of cases this user may see) and, a moment after an event,
// fetches the page again from the server and swaps the live element in, so
// every count, mark and proof is computed by the server, never in the
// browser.
//
// The live element is the one with data-live-url (and an id). Optional:
// data-live-case: only events of that case count; data-live-types: the
// event types that count (space-separated). While the user is filling in
// a form inside the live element the swap is not made (it would lose what
// they typed): the status says the page changed instead.
(function () {
  'use strict';
  function init() {
    var root = document.querySelector('[data-live-url]');
    var status = document.getElementById('live-status');
    if (!root || !root.id || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
    var id = root.id;
    var only = root.dataset.liveCase || '';
    var types = (root.dataset.liveTypes || '').split(' ');
    var source = new EventSource(root.dataset.liveUrl);
    var timer = null;
    // The state of the stream, for people and tests: on the root element,
    // which the swaps below leave in place.
    source.addEventListener('open', function () { document.documentElement.dataset.live = 'open'; });
    source.addEventListener('error', function () { document.documentElement.dataset.live = 'reconnecting'; });
    function say(text) {
      if (status) {
        status.textContent = text;
        status.hidden = false;
      }
    }
    // busy reports whether the user is filling in a form in the live element.
    function busy() {
      var current = document.getElementById(id);
      if (!current) { return false; }
      var a = document.activeElement;
      if (a && a !== document.body && current.contains(a) && a.form) { return true; }
      var fields = current.querySelectorAll('textarea, input:not([type=hidden]):not([type=submit])');
      for (var i = 0; i < fields.length; i++) {
        if (fields[i].value !== fields[i].defaultValue) { return true; }
      }
      return false;
    }
    function refresh() {
      timer = null;
      if (busy()) {
        if (status) { say(status.dataset.stale || status.dataset.updated); }
        return;
      }
      fetch(window.location.pathname + window.location.search, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) {
          if (!r.ok) { throw new Error('page answered ' + r.status); }
          return r.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(id);
          var current = document.getElementById(id);
          if (!fresh || !current || busy()) { return; }
          current.replaceWith(document.importNode(fresh, true));
          if (status) { say(status.dataset.updated + ' ' + new Date().toLocaleTimeString()); }
        })
        .catch(function () { /* the next event tries again */ });
    }
    function onEvent(e) {
      if (only) {
        try {
          if (JSON.parse(e.data).case !== only) { return; }
        } catch (err) {
          return;
        }
      }
      if (timer === null) { timer = window.setTimeout(refresh, 300); }
    }
    types.forEach(function (t) { if (t) { source.addEventListener(t, onEvent); } });
    window.addEventListener('pagehide', function () { source.close(); });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
