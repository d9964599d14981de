'use strict';
// generate.js builds ../territory.geojson: the territories under the
// administration of Japan (land, 12 nm territorial sea, 3 nm in the five
// specified straits), from Natural Earth 10m (world-atlas) plus the explicit
// entries of entries.js. Run: cd geo/gen && npm ci && node generate.js
// See ../PROVENANCE.md for what each step approximates.

const fs = require('fs');
const path = require('path');
const topo = require('world-atlas/countries-10m.json');
const worldAtlasVersion = require('world-atlas/package.json').version;
const { feature } = require('topojson-client');
const { buffer } = require('@turf/buffer');
const { union } = require('@turf/union');
const { difference } = require('@turf/difference');
const { intersect } = require('@turf/intersect');
const { simplify } = require('@turf/simplify');
const { circle } = require('@turf/circle');
const { bboxClip } = require('@turf/bbox-clip');
const { booleanPointInPolygon } = require('@turf/boolean-point-in-polygon');
const { featureCollection, polygon, multiPolygon } = require('@turf/helpers');
const { ISLANDS, NOT_ADMINISTERED, NORTHERN_TERRITORIES_BOX, STRAITS } = require('./entries');

const NM = 1852; // metres per international nautical mile
const SEA = 12 * NM; // Act No. 30 of 1977, Art. 1
const STRAIT_SEA = 3 * NM; // Act No. 30 of 1977, Supplementary Provisions para. 2
const TOLERANCE_DEG = 0.001; // simplification tolerance (about 100 m)
const FOREIGN_TOLERANCE_DEG = 0.01; // foreign labels only (about 1 km)
const DECIMALS = 5; // coordinate rounding (about 1 m)
const MEDIAN_STEP_M = 250; // ring width of the equidistance construction
// The de-facto median line is constructed inside this box (Nemuro Strait,
// Habomai); the land that feeds it is clipped to a box 0.5° wider.
const MEDIAN_BOX = [144.9, 43.0, 146.6, 44.8];
const MEDIAN_LAND_BOX = [144.4, 42.5, 147.1, 45.3];
const REGION = [115, 10, 160, 55]; // foreign land kept for labels
const OUT = path.join(__dirname, '..', 'territory.geojson');

const debug = process.argv.includes('--debug');
const t0 = Date.now();
function log(...a) { if (debug) console.error(((Date.now() - t0) / 1000).toFixed(1) + 's', ...a); }

function radiusOf(e) {
  if (e.radius_m) return e.radius_m;
  return Math.max(50, Math.round(Math.sqrt((e.area_km2 * 1e6) / Math.PI)));
}
function disc(e, extra) {
  return circle([e.lon, e.lat], radiusOf(e) + extra, { steps: 64, units: 'meters' });
}
function boxPolygon(b) {
  return polygon([[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]]);
}
function inBox(b, lon, lat) { return lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3]; }
function polysOf(geom) {
  if (!geom) return [];
  if (geom.type === 'Polygon') return [geom.coordinates];
  if (geom.type === 'MultiPolygon') return geom.coordinates;
  return [];
}
function bboxOf(rings) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings) for (const [x, y] of ring) {
    if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y; if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
  }
  return b;
}
function overlaps(a, b) { return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1]; }
// unionAll merges polygons pairwise (balanced), which is faster than one by one.
function unionAll(features) {
  let fs2 = features.filter(Boolean);
  if (fs2.length === 0) return null;
  while (fs2.length > 1) {
    const next = [];
    for (let i = 0; i < fs2.length; i += 2) {
      next.push(i + 1 < fs2.length ? union(featureCollection([fs2[i], fs2[i + 1]])) : fs2[i]);
    }
    fs2 = next.filter(Boolean);
  }
  return fs2[0];
}
function minus(a, b) { if (!a) return null; if (!b) return a; return difference(featureCollection([a, b])); }
function and(a, b) { if (!a || !b) return null; return intersect(featureCollection([a, b])); }
function buf(f, r) { return buffer(f, r, { units: 'meters', steps: 8 }); }

// ---- 1. Base data: Natural Earth Admin-0 (de facto), world-atlas 10m.
const countries = feature(topo, topo.objects.countries).features;
const japan = countries.find((f) => f.properties.name === 'Japan');
const ntBox = NORTHERN_TERRITORIES_BOX;
const takeshima = NOT_ADMINISTERED.find((e) => e.group === 'Takeshima');
const removed = [];
const jpPolys = polysOf(japan.geometry).filter((p) => {
  const b = bboxOf(p);
  const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
  const nt = inBox(ntBox, cx, cy) && cx > 145.40; // east of Nemuro/Notsuke: Russian-administered
  const tk = Math.abs(cx - takeshima.lon) < 0.05 && Math.abs(cy - takeshima.lat) < 0.05;
  if (nt || tk) removed.push({ bbox: b.map((v) => +v.toFixed(3)), reason: nt ? 'Northern Territories' : 'Takeshima' });
  return !(nt || tk);
});
log('Japan polygons', jpPolys.length, 'removed', removed.length);

// ---- 2. Land: base polygons and explicit islands.
const baseLand = jpPolys.map((p) => polygon(p));
const islandLand = ISLANDS.map((e) => disc(e, 0));
const land = unionAll([...baseLand, ...islandLand]);
log('land done');

// ---- 3. Sea: 12 nm and 3 nm from every piece of land (buffered one by
// one so that each buffer's projection is centred on its own island).
const b12 = unionAll([...baseLand.map((p) => buf(p, SEA)), ...ISLANDS.map((e) => disc(e, SEA))]);
log('b12 done');
const b3 = unionAll([...baseLand.map((p) => buf(p, STRAIT_SEA)), ...ISLANDS.map((e) => disc(e, STRAIT_SEA))]);
log('b3 done');
const straitPolys = STRAITS.map((s) => polygon([s.ring], { name: s.name }));
const corridors = unionAll(straitPolys);
let territory = union(featureCollection([b3, minus(b12, corridors)]));
log('straits done');

// ---- 4. De-facto median line with the Russian-administered islands.
// A point of the sea belongs to Japan's side when it is nearer Japanese
// land than Russian-administered land: the union, over rings r, of
// (within r of Japan) minus (within r of Russian land), approximates that
// set to within MEDIAN_STEP_M / 2.
const russia = countries.find((f) => f.properties.name === 'Russia');
const medianLandBox = boxPolygon(MEDIAN_LAND_BOX);
const ruNear = polysOf(russia.geometry).filter((p) => overlaps(bboxOf(p), MEDIAN_LAND_BOX))
  .map((p) => and(polygon(p), medianLandBox)).filter(Boolean);
const habomai = NOT_ADMINISTERED.filter((e) => e.group === 'Northern Territories').map((e) => disc(e, 0));
const ruLand = unionAll([...ruNear, ...habomai]);
const jpNear = baseLand.filter((p) => overlaps(bboxOf(p.geometry.coordinates), MEDIAN_LAND_BOX))
  .map((p) => bboxClip(p, MEDIAN_LAND_BOX)).filter((p) => p.geometry.coordinates.length > 0);
const jpNearLand = unionAll(jpNear);
const medianBox = boxPolygon(MEDIAN_BOX);
const pieces = [];
for (let r = MEDIAN_STEP_M / 2; ; r += MEDIAN_STEP_M) {
  const rr = Math.min(r, SEA);
  pieces.push(minus(and(buf(jpNearLand, rr), medianBox), and(buf(ruLand, rr), medianBox)));
  if (rr >= SEA) break;
}
log('median rings done');
const nearer = unionAll(pieces);
territory = minus(territory, minus(medianBox, nearer));
territory = minus(territory, ruLand);
log('median done');

// ---- 5. Labels: not-administered areas and foreign territory.
const ntLand = unionAll([...polysOf(russia.geometry).filter((p) => overlaps(bboxOf(p), ntBox)).map((p) => and(polygon(p), boxPolygon(ntBox))).filter(Boolean), ...habomai]);
const ntArea = minus(and(union(featureCollection([ntLand, buf(ntLand, SEA)])), boxPolygon(ntBox)), territory);
const tkArea = disc(takeshima, SEA);
const foreign = [];
for (const c of countries) {
  if (c === japan || !c.geometry) continue;
  const parts = polysOf(c.geometry).filter((p) => overlaps(bboxOf(p), REGION));
  if (parts.length === 0) continue;
  const clipped = bboxClip(multiPolygon(parts), REGION);
  if (clipped.geometry.coordinates.length === 0) continue;
  const s = simplify(clipped, { tolerance: FOREIGN_TOLERANCE_DEG });
  const sea = simplify(buf(s, SEA), { tolerance: FOREIGN_TOLERANCE_DEG });
  foreign.push({ name: c.properties.name, iso_numeric: c.id, geom: sea });
}
log('foreign done', foreign.length);

// ---- 6. Simplify, round, write.
function round(v) { const k = 10 ** DECIMALS; return Math.round(v * k) / k; }
function cleanRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  if (out.length > 1) {
    const a = out[0], z = out[out.length - 1];
    if (a[0] !== z[0] || a[1] !== z[1]) out.push([a[0], a[1]]);
  }
  return out;
}
function cleanGeom(f, tol) {
  const g = tol ? simplify(f, { tolerance: tol, highQuality: false }).geometry : f.geometry;
  const polys = polysOf(g).map((p) => p.map(cleanRing).filter((r) => r.length >= 4)).filter((p) => p.length > 0);
  return { type: 'MultiPolygon', coordinates: polys };
}
function vertexCount(g) { let n = 0; for (const p of g.coordinates) for (const r of p) n += r.length; return n; }

const features = [];
const territoryGeom = cleanGeom(territory, TOLERANCE_DEG);
const landGeom = cleanGeom(land, TOLERANCE_DEG);
features.push({ type: 'Feature', properties: { layer: 'territory', name: 'territories under the administration of Japan', vertices: vertexCount(territoryGeom) }, geometry: territoryGeom });
features.push({ type: 'Feature', properties: { layer: 'land', name: 'land (Natural Earth 10m Japan, de facto, plus explicit islands)', vertices: vertexCount(landGeom) }, geometry: landGeom });
for (const s of STRAITS) {
  features.push({ type: 'Feature', properties: { layer: 'strait', name: s.name, label: s.label, source: s.source }, geometry: { type: 'Polygon', coordinates: [s.ring] } });
}
features.push({ type: 'Feature', properties: { layer: 'excluded', name: 'Northern Territories', administered_by: 'Russia', source: 'Natural Earth 10m (Admin-0, de facto) assigns Etorofu, Kunashiri, Shikotan and Shibotsu to Russia; Habomai islets per entries.js' }, geometry: cleanGeom(ntArea, TOLERANCE_DEG) });
features.push({ type: 'Feature', properties: { layer: 'excluded', name: 'Takeshima', administered_by: 'Republic of Korea', source: takeshima.source }, geometry: cleanGeom(tkArea, 0) });
for (const f of foreign) {
  features.push({ type: 'Feature', properties: { layer: 'foreign', name: f.name, iso_numeric: f.iso_numeric }, geometry: cleanGeom(f.geom, 0) });
}
for (const e of ISLANDS) {
  const p = { layer: 'island', name: e.name, group: e.group, prefecture: e.prefecture, radius_m: radiusOf(e) };
  if (e.area_km2 !== undefined) p.area_km2 = e.area_km2;
  if (e.note) p.note = e.note;
  p.source = e.source;
  features.push({ type: 'Feature', properties: p, geometry: { type: 'Point', coordinates: [e.lon, e.lat] } });
}
for (const e of NOT_ADMINISTERED) {
  features.push({ type: 'Feature', properties: { layer: 'not-administered', name: e.name, group: e.group, administered_by: e.administered_by, radius_m: radiusOf(e), source: e.source }, geometry: { type: 'Point', coordinates: [e.lon, e.lat] } });
}

const out = {
  type: 'FeatureCollection',
  metadata: {
    title: 'Territories under the administration of Japan (land and territorial sea), generated',
    generator: 'geo/gen/generate.js',
    base: `Natural Earth 10m Admin-0 countries v4.1.0 (public domain) via npm world-atlas@${worldAtlasVersion}`,
    territorial_sea_m: SEA,
    specified_strait_sea_m: STRAIT_SEA,
    simplify_tolerance_deg: TOLERANCE_DEG,
    simplify_tolerance_note: '0.001 degree, about 100 m (foreign label layer: 0.01 degree)',
    coordinate_decimals: DECIMALS,
    median_step_m: MEDIAN_STEP_M,
    median_box: MEDIAN_BOX,
    foreign_region: REGION,
    foreign_note: 'layer foreign (other countries\' land + 12 nm, Natural Earth de facto, simplified 0.01 degree) is complete only inside foreign_region and serves labels, never scope',
    removed_from_base: removed,
    removed_from_base_note: 'Japan polygons of the base data lying in the Northern Territories or at Takeshima; empty because Natural Earth Admin-0 (de facto) already assigns them to Russia and South Korea',
    baselines: 'buffered low-water line of Natural Earth coastlines; straight baselines and bay closing lines are not modelled, so the sea is slightly under-approximated in bays and behind island fringes',
  },
  features,
};
fs.writeFileSync(OUT, JSON.stringify(out) + '\n');
console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${fs.statSync(OUT).size} bytes, territory ${vertexCount(territoryGeom)} vertices, land ${vertexCount(landGeom)} vertices`);
