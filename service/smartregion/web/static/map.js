// The map of places: the outline of Germany (static/vendor/natural-earth/germany.geojson) and the markers of
// map.geojson, drawn with the vendored Leaflet, no tiles. The filter form filters in place here (the same form asks the server without script).
// Kept in a file of its own because the page's Content-Security-Policy allows no inline script; URLs are relative,
// so that the service may be deployed under a path prefix.
"use strict";

const COLOURS = { project: "#d95f02", organisation: "#1f78b4", event: "#7570b3", territory: "#1b9e77" };
const SPREAD = 0.012; // degrees between markers that share a position, set around it in a circle

const box = document.getElementById("map");
const form = document.getElementById("map-filters");
const count = document.getElementById("map-count");
const map = L.map(box, { zoomSnap: 0.25, minZoom: 4, maxZoom: 13 });
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution(box.dataset.attribution);
map.fitBounds([[47.2, 5.8], [55.1, 15.1]]);
const layer = L.layerGroup().addTo(map);
let features = [];

async function load(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) throw new Error(url + ": " + response.status);
  return response.json();
}

function chosen() {
  const data = new FormData(form);
  return { kinds: new Set(data.getAll("kind")), programme: data.get("programme") || "" };
}

function visible(feature, filter) {
  const p = feature.properties;
  if (!filter.kinds.has(p.kind)) return false;
  if (!filter.programme) return true;
  return filter.programme === "none" ? p.programmes.length === 0 : p.programmes.includes(filter.programme);
}

function popup(p) {
  const body = document.createElement("div");
  const link = document.createElement("a");
  link.href = p.href;
  link.className = "map-popup-link";
  link.textContent = p.label;
  body.append(link, document.createElement("br"), box.dataset.at + " ");
  const place = document.createElement(p.place_href ? "a" : "span");
  if (p.place_href) place.href = p.place_href;
  place.textContent = p.place_label;
  body.append(place);
  if (p.approximate) body.append(" (" + box.dataset.approximate + ")");
  return body;
}

function draw() {
  const filter = chosen();
  const shown = features.filter((f) => visible(f, filter));
  const taken = new Map();
  layer.clearLayers();
  for (const feature of shown) {
    const p = feature.properties;
    const [long, lat] = feature.geometry.coordinates;
    const key = lat + "," + long;
    const n = taken.get(key) || 0;
    taken.set(key, n + 1);
    const angle = n * 2.39996; // the golden angle spreads any number of markers evenly
    const offset = n ? SPREAD * Math.sqrt(n) : 0;
    const marker = L.circleMarker([lat + offset * Math.sin(angle), long + offset * Math.cos(angle) * 1.6], {
      radius: 7, weight: 2, color: COLOURS[p.kind], fillColor: COLOURS[p.kind],
      fillOpacity: p.approximate ? 0.1 : 0.75, className: "map-marker map-marker-" + p.kind,
    });
    marker.bindTooltip(p.label);
    marker.bindPopup(() => popup(p));
    marker.addTo(layer);
    marker.getElement().setAttribute("data-iri", p.iri);
  }
  count.textContent = shown.length + " " + count.dataset.unit;
  const query = new URLSearchParams();
  for (const kind of filter.kinds) query.append("kind", kind);
  if (filter.programme) query.set("programme", filter.programme);
  query.set("lang", box.dataset.lang);
  history.replaceState(null, "", "?" + query.toString());
}

form.addEventListener("change", draw);
form.addEventListener("submit", (event) => { event.preventDefault(); draw(); });

Promise.all([load(box.dataset.outline), load(box.dataset.markers + "?lang=" + box.dataset.lang)]).then(([outline, markers]) => {
  L.geoJSON(outline, {
    interactive: false,
    style: (f) => f.properties.kind === "country"
      ? { color: "#6b7785", weight: 1.5, fillColor: "#ffffff", fillOpacity: 1 }
      : { color: "#9aa5b1", weight: 1, dashArray: "4 3" },
  }).addTo(map);
  layer.remove();
  layer.addTo(map); // above the outline
  features = markers.features;
  draw();
  box.dataset.ready = "true";
}).catch((error) => {
  box.textContent = String(error);
  box.dataset.ready = "error";
});
