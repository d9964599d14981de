// article5 incident intake: choose the location by clicking on the map.
// Progressive enhancement: without JavaScript the latitude and longitude
// fields are the way. The map's projection comes from its data-* attributes
// (equirectangular: x = (lon - minLon) * scaleX, y = (maxLat - lat) * scaleY).
(function () {
  'use strict';
  function init() {
    var svg = document.getElementById('pick-map');
    var lat = document.getElementById('f-lat');
    var lon = document.getElementById('f-lon');
    var pin = document.getElementById('pick-pin');
    if (!svg || !lat || !lon || !pin) { return; }
    var minLon = parseFloat(svg.dataset.minLon), maxLat = parseFloat(svg.dataset.maxLat);
    var sx = parseFloat(svg.dataset.scaleX), sy = parseFloat(svg.dataset.scaleY);
    svg.addEventListener('click', function (ev) {
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      lat.value = (maxLat - p.y / sy).toFixed(4);
      lon.value = (minLon + p.x / sx).toFixed(4);
      pin.setAttribute('cx', p.x.toFixed(1));
      pin.setAttribute('cy', p.y.toFixed(1));
      pin.classList.remove('hidden');
      lat.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
