// One-off converter: Natural Earth 1:110m countries (from the world-atlas npm
// package, TopoJSON, ISO 3166-1 numeric ids) -> projected, rounded SVG path
// strings keyed by ISO 3166-1 alpha-2, written to
// votebrief/data/world-110m.json. The output is committed; this script only
// needs re-running if the source data or projection changes.
//
//   cd tools/worldmap && npm install && node build.mjs

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { geoCentroid, geoNaturalEarth1, geoPath } from "d3-geo";
import countriesLib from "i18n-iso-countries";
import { feature, merge } from "topojson-client";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(here, "../../votebrief/data/world-110m.json");

const WIDTH = 960;
const HEIGHT = 500;
const MARGIN = 4;
// Decimal places kept in path coordinates (0 = whole pixels of the 960x500 box).
const DIGITS = 0;
// Douglas-Peucker tolerance in px applied before rounding (0 = off).
const TOLERANCE = 0.3;

const worldAtlasVersion = require("world-atlas/package.json").version;
const topology = JSON.parse(
  readFileSync(require.resolve("world-atlas/countries-110m.json"), "utf8"),
);
const geometries = topology.objects.countries.geometries;

// Features that Natural Earth draws separately but that have no ISO 3166-1
// code of their own: ISO (and the UN) count them as part of another country,
// so merge them in rather than leave a hole in the map.
const MERGE_INTO = { Somaliland: "706" /* Somalia */, "N. Cyprus": "196" /* Cyprus */ };
// Features without a numeric id that do have a widely used user-assigned code.
const NAMELESS_ID_TO_ALPHA2 = { Kosovo: "XK" };
// Natural Earth abbreviates some names at 110m; spell them out.
const NAME_OVERRIDES = {
  BA: "Bosnia and Herzegovina",
  CF: "Central African Republic",
  CD: "Democratic Republic of the Congo",
  CG: "Republic of the Congo",
  DO: "Dominican Republic",
  GQ: "Equatorial Guinea",
  FK: "Falkland Islands",
  TF: "French Southern and Antarctic Lands",
  MK: "North Macedonia",
  SS: "South Sudan",
  SB: "Solomon Islands",
  EH: "Western Sahara",
  SZ: "Eswatini",
  US: "United States",
};
const DROP = new Set(["010" /* Antarctica */]);
// Natural Earth v4.1 draws Crimea as part of Russia (its "de facto" policy).
// ISO 3166 and UN General Assembly resolution 68/262 count it as Ukraine, as
// do most news maps, so move that polygon (matched by its centroid) to Ukraine.
const REASSIGN_PARTS = [
  { from: "643", to: "804", lon: [32, 37], lat: [44, 46.6], what: "Crimea" },
];

function alpha2For(geom) {
  if (geom.id !== undefined) return countriesLib.numericToAlpha2(geom.id) ?? null;
  return NAMELESS_ID_TO_ALPHA2[geom.properties.name] ?? null;
}

// Split off the polygons named in REASSIGN_PARTS, as topology Polygon objects
// (sharing arcs with the rest, so merging dissolves the border cleanly).
const extraParts = new Map(); // numeric id -> [Polygon geometry objects]
const reassigned = [];
const pieces = geometries.map((geom) => {
  const rules = REASSIGN_PARTS.filter((r) => r.from === geom.id);
  if (!rules.length || geom.type !== "MultiPolygon") return geom;
  const keep = [];
  for (const arcs of geom.arcs) {
    const poly = { type: "Polygon", arcs };
    const [lon, lat] = geoCentroid(feature(topology, poly));
    const rule = rules.find(
      (r) => lon >= r.lon[0] && lon <= r.lon[1] && lat >= r.lat[0] && lat <= r.lat[1],
    );
    if (!rule) {
      keep.push(arcs);
      continue;
    }
    if (!extraParts.has(rule.to)) extraParts.set(rule.to, []);
    extraParts.get(rule.to).push(poly);
    reassigned.push(rule.what);
  }
  return { ...geom, arcs: keep };
});
for (const rule of REASSIGN_PARTS) {
  if (!reassigned.includes(rule.what)) throw new Error(`no polygon found for ${rule.what}`);
}

// Group geometries by the alpha-2 code they end up under.
const groups = new Map(); // alpha2 -> {name, geoms: []}
const skipped = [];
for (const geom of pieces) {
  if (DROP.has(geom.id)) continue;
  const mergeTarget = MERGE_INTO[geom.properties.name];
  const target = mergeTarget ? geometries.find((g) => g.id === mergeTarget) : geom;
  const a2 = alpha2For(target);
  if (!a2) {
    skipped.push(geom.properties.name);
    continue;
  }
  if (!groups.has(a2)) groups.set(a2, { name: NAME_OVERRIDES[a2] ?? target.properties.name, geoms: [] });
  groups.get(a2).geoms.push(geom, ...(extraParts.get(geom.id) ?? []));
}

const features = [...groups].map(([a2, { name, geoms }]) => ({
  type: "Feature",
  id: a2,
  properties: { name },
  geometry: geoms.length === 1 ? feature(topology, geoms[0]).geometry : merge(topology, geoms),
}));

const projection = geoNaturalEarth1().fitExtent(
  [
    [MARGIN, MARGIN],
    [WIDTH - MARGIN, HEIGHT - MARGIN],
  ],
  { type: "FeatureCollection", features },
);

// A d3 path context that writes compact SVG. Each ring is collected, lightly
// simplified (Douglas-Peucker, TOLERANCE px), rounded to DIGITS decimals,
// then written as an absolute moveTo followed by relative lineTo offsets
// between *rounded* points (so rounding error never accumulates). Repeated
// points are dropped, and so are rings that collapse at this precision.
const scale = 10 ** DIGITS;
const q = (v) => Math.round(v * scale) / scale;
const fmt = (n) => q(n).toString().replace(/^(-?)0\./, "$1.");
function join(nums) {
  // SVG allows omitting the separator before a minus sign, and before a
  // leading "." when the previous number already has a decimal point.
  let out = "";
  let prev = "";
  for (const n of nums) {
    const s = fmt(n);
    const bare = prev === "" || s.startsWith("-") || (s.startsWith(".") && prev.includes("."));
    out += bare ? s : " " + s;
    prev = s;
  }
  return out;
}

function simplify(points, tolerance) {
  if (tolerance <= 0 || points.length < 4) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  const t2 = tolerance * tolerance;
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a];
    const [bx, by] = points[b];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let worstD = t2;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i];
      let d;
      if (len2 === 0) d = (px - ax) ** 2 + (py - ay) ** 2;
      else {
        const cross = (px - ax) * dy - (py - ay) * dx;
        d = (cross * cross) / len2;
      }
      if (d > worstD) {
        worstD = d;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

class CompactContext {
  constructor() {
    this.parts = [];
    this.ring = null;
  }
  moveTo(x, y) {
    this.flush();
    this.ring = { points: [[x, y]], closed: false };
  }
  lineTo(x, y) {
    this.ring.points.push([x, y]);
  }
  closePath() {
    if (this.ring) this.ring.closed = true;
    this.flush();
  }
  arc() {
    throw new Error("unexpected arc (point geometry?)");
  }
  flush() {
    const r = this.ring;
    this.ring = null;
    if (!r) return;
    const pts = [];
    for (const [x, y] of simplify(r.points, TOLERANCE)) {
      const p = [q(x), q(y)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    }
    if (r.closed && pts.length > 1) {
      const [fx, fy] = pts[0];
      const [lx, ly] = pts[pts.length - 1];
      if (fx === lx && fy === ly) pts.pop(); // implied by "z"
    }
    if (pts.length < 3) return; // collapsed to a point or a line
    // Relative steps; a step continuing the previous one in the same
    // direction is folded into it (the rounded shape is unchanged).
    const rel = [];
    for (let i = 1; i < pts.length; i++) {
      const dx = pts[i][0] - pts[i - 1][0];
      const dy = pts[i][1] - pts[i - 1][1];
      const last = rel[rel.length - 1];
      if (last && Math.abs(last[0] * dy - last[1] * dx) < 1e-9 && last[0] * dx + last[1] * dy > 0) {
        last[0] = q(last[0] + dx);
        last[1] = q(last[1] + dy);
      } else rel.push([dx, dy]);
    }
    if (rel.length < 2) return;
    this.parts.push("M" + join(pts[0]) + "l" + join(rel.flat()) + (r.closed ? "z" : ""));
  }
  result() {
    this.flush();
    return this.parts.join("");
  }
}

function pathFor(feat) {
  const ctx = new CompactContext();
  geoPath(projection, ctx)(feat);
  return ctx.result();
}

const countries = {};
const tooSmall = [];
for (const feat of features.sort((a, b) => a.id.localeCompare(b.id))) {
  const d = pathFor(feat);
  if (!d) {
    tooSmall.push(feat.id);
    continue;
  }
  countries[feat.id] = { name: feat.properties.name, d };
}

const out = {
  viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
  source:
    `Natural Earth 1:110m Admin 0 countries (v4.1.0) via the world-atlas npm package ${worldAtlasVersion} ` +
    `(countries-110m.json); projected with d3-geo geoNaturalEarth1 fitted to ${WIDTH}x${HEIGHT}, ` +
    `Antarctica dropped, Somaliland merged into SO, N. Cyprus into CY and Crimea into UA, rings simplified (Douglas-Peucker, ${TOLERANCE} px) and coordinates rounded to ${DIGITS} decimal(s) of the viewBox. ` +
    `Generated by tools/worldmap/build.mjs.`,
  license:
    "Natural Earth data: public domain (https://www.naturalearthdata.com/about/terms-of-use/). " +
    "world-atlas packaging: ISC licence, Copyright 2013-2019 Michael Bostock.",
  countries,
};

const json = JSON.stringify(out, null, 0);
writeFileSync(OUT, json + "\n");
const total = Object.values(countries).reduce((n, c) => n + c.d.length, 0);
console.log(`wrote ${OUT}: ${Object.keys(countries).length} countries, ${json.length} bytes, ${total} bytes of path data`);
if (skipped.length) console.log(`skipped (no ISO code): ${skipped.join(", ")}`);
if (tooSmall.length) console.log(`dropped (no visible area at this precision): ${tooSmall.join(", ")}`);
