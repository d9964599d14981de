// article5 dashboard: live updates from the node's event stream.
// Progressive enhancement: without JavaScript (or without EventSource) the
// dashboard is as fresh as its last load. With them, the page listens to
// GET /api/v1/events/stream (the same login session; the node sends only
// the events of cases this user may see) and, a moment after an event,
// reloads the dashboard's own section from the server and swaps it in, so
// every count and mark is computed by the server, never in the browser.
(function () {
  'use strict';
  function init() {
    var root = document.getElementById('dashboard');
    var status = document.getElementById('live-status');
    if (!root || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
    var types = (root.dataset.liveTypes || '').split(' ');
    var source = new EventSource(root.dataset.liveUrl);
    var timer = null;
    // The state of the stream, for people and tests: on the root element,
    // which the swaps below leave in place.
    source.addEventListener('open', function () { document.documentElement.dataset.live = 'open'; });
    source.addEventListener('error', function () { document.documentElement.dataset.live = 'reconnecting'; });
    function refresh() {
      timer = null;
      fetch(window.location.pathname + window.location.search, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) {
          if (!r.ok) { throw new Error('dashboard answered ' + r.status); }
          return r.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('dashboard');
          var current = document.getElementById('dashboard');
          if (!fresh || !current) { return; }
          current.replaceWith(document.importNode(fresh, true));
          if (status) {
            status.textContent = status.dataset.updated + ' ' + new Date().toLocaleTimeString();
            status.hidden = false;
          }
        })
        .catch(function () { /* the next event tries again */ });
    }
    function onEvent() {
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
