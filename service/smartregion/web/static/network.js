// The network map: loads api/network?format=json, draws it with vis-network, shows an actor's
// partners (api/cooperations) on click or search. Kept in a file of its own because the page's
// Content-Security-Policy allows no inline script. URLs are relative so that the service may be
// deployed under a path prefix.
"use strict";

const KINDS = {
  "cooperation": "Kooperation",
  "co-organisation": "Mitveranstaltung",
  "project": "Projekt/Programm",
  "role": "Rolle",
  "organisational": "organisatorisch",
  "session": "gemeinsame Session",
  "event-programme": "Veranstaltung eines Programms",
};

// One colour per actor type (most specific class); the legend shows those present.
const TYPES = {
  Person: ["#d95f02", "Person"],
  State: ["#1b9e77", "Land"],
  Municipality: ["#66a61e", "Gemeinde/Stadt"],
  District: ["#a6d854", "Kreis"],
  TerritorialAuthority: ["#8dd3c7", "Gebietskörperschaft"],
  Ministry: ["#7570b3", "Ministerium"],
  PublicAgency: ["#b3aee8", "Behörde"],
  EconomicDevelopmentAgency: ["#e7298a", "Wirtschaftsförderung"],
  Company: ["#e6ab02", "Unternehmen"],
  Association: ["#a6761d", "Verband/Netzwerk"],
  ResearchInstitute: ["#1f78b4", "Forschung"],
  Initiative: ["#fb9a99", "Initiative"],
  OrganisationalUnit: ["#bcbcbc", "Organisationseinheit"],
  Organisation: ["#666666", "Organisation"],
};
const OTHER = ["#999999", "sonstige"];

const state = { network: null, nodes: null, selected: null };

function $(id) { return document.getElementById(id); }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function filterParams() {
  const params = new URLSearchParams();
  const boxes = document.querySelectorAll("#kinds input[type=checkbox]");
  const checked = [...boxes].filter(b => b.checked);
  if (checked.length < boxes.length) checked.forEach(b => params.append("kind", b.value));
  for (const name of ["since", "until"]) {
    const value = $(name).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  return body;
}

function showError(message) {
  const stats = $("stats");
  stats.textContent = message;
  stats.className = "error";
}

function renderLegend(types) {
  const legend = $("legend");
  legend.replaceChildren();
  for (const type of [...types].sort()) {
    const [colour, name] = TYPES[type] || OTHER;
    const item = el("span");
    const swatch = el("span", undefined, "swatch");
    swatch.style.background = colour;
    item.append(swatch, name);
    item.dataset.type = type;
    legend.append(item);
  }
}

async function loadNetwork() {
  const params = filterParams();
  params.set("format", "json");
  let data;
  try {
    data = await getJSON("api/network?" + params);
  } catch (error) {
    showError("Netzwerk nicht geladen: " + error.message);
    return;
  }
  const nodes = data.nodes.map(n => ({
    id: n.id, label: n.label, value: n.weight, group: n.type,
    title: `${n.label} (${(TYPES[n.type] || OTHER)[1]}): ${n.degree} Partner`,
    color: { background: (TYPES[n.type] || OTHER)[0], border: "#0004" },
  }));
  const edges = data.edges.map(e => ({
    id: e.id, from: e.source, to: e.target, value: e.weight,
    title: `Gewicht ${e.weight}: ${e.kinds.map(k => KINDS[k] || k).join(", ")}`,
  }));
  state.nodes = new vis.DataSet(nodes);
  const options = {
    nodes: { shape: "dot", scaling: { min: 8, max: 40 }, font: { size: 13 } },
    edges: { color: { color: "#9995", highlight: "#333" }, scaling: { min: 1, max: 8 }, smooth: false },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250 } },
    layout: { improvedLayout: nodes.length < 150, randomSeed: 7 },
    interaction: { hover: true, tooltipDelay: 150, keyboard: true },
  };
  if (state.network) state.network.destroy();
  state.network = new vis.Network($("map"), { nodes: state.nodes, edges: new vis.DataSet(edges) }, options);
  state.network.on("click", event => {
    if (event.nodes.length) showPartners(event.nodes[0]);
  });
  const stats = $("stats");
  stats.className = "";
  stats.textContent = `${nodes.length} Akteure, ${edges.length} Verbindungen`;
  stats.dataset.nodes = String(nodes.length);
  stats.dataset.edges = String(edges.length);
  renderLegend(new Set(nodes.map(n => n.group)));
  document.body.dataset.ready = "true";
  if (state.selected) showPartners(state.selected);
}

function evidenceItem(item) {
  const li = el("li");
  li.append(el("span", (KINDS[item.kind] || item.kind) + ": ", "kind"), item.label);
  if (item.date) li.append(` (${item.date.slice(0, 10)})`);
  const source = el("a", "Quelle");
  source.href = item.source;
  li.append(" – ", source);
  return li;
}

async function showPartners(iri) {
  state.selected = iri;
  const params = filterParams();
  params.set("iri", iri);
  let data;
  try {
    data = await getJSON("api/cooperations?" + params);
  } catch (error) {
    showError(error.message);
    return;
  }
  if (state.selected !== iri) return; // a later click won the race
  $("details").hidden = false;
  $("actor-name").textContent = data.actor.label;
  $("actor-type").textContent = `${(TYPES[data.actor.type] || OTHER)[1]} · ${data.partners.length} Partner`;
  const list = $("partners");
  list.replaceChildren();
  for (const partner of data.partners) {
    const li = el("li");
    const name = el("button", partner.label, "partner");
    name.type = "button";
    name.dataset.iri = partner.iri;
    name.addEventListener("click", () => select(partner.iri));
    const evidence = el("ul", undefined, "evidence");
    partner.evidence.forEach(item => evidence.append(evidenceItem(item)));
    li.append(name, el("span", ` Gewicht ${partner.weight}`, "weight"), evidence);
    list.append(li);
  }
  if (state.network && state.nodes.get(iri)) state.network.selectNodes([iri]);
}

function select(iri) {
  $("search-results").replaceChildren();
  if (state.network && state.nodes.get(iri)) {
    state.network.selectNodes([iri]);
    state.network.focus(iri, { scale: 1.2, animation: { duration: 400 } });
  }
  showPartners(iri);
}

async function search(event) {
  event.preventDefault();
  const q = $("search").value.trim();
  const results = $("search-results");
  results.replaceChildren();
  if (!q) return;
  let data;
  try {
    data = await getJSON("api/search?" + new URLSearchParams({ q, type: "actor", limit: "10" }));
  } catch (error) {
    results.append(el("li", error.message, "error"));
    return;
  }
  if (!data.results.length) results.append(el("li", `Kein Akteur gefunden für „${q}“`));
  for (const hit of data.results) {
    const button = el("button", `${hit.label} (${hit.type})`);
    button.type = "button";
    button.dataset.iri = hit.iri;
    button.addEventListener("click", () => select(hit.iri));
    const li = el("li");
    li.append(button);
    results.append(li);
  }
}

function init() {
  const kinds = $("kinds");
  for (const [kind, name] of Object.entries(KINDS)) {
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.value = kind;
    box.checked = true;
    label.append(box, " " + name);
    kinds.append(label);
  }
  $("filters").addEventListener("submit", event => { event.preventDefault(); loadNetwork(); });
  $("search-form").addEventListener("submit", search);
  loadNetwork();
}

document.addEventListener("DOMContentLoaded", init);
