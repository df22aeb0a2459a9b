// The network map: draws api/network (or an actor's api/ego) with vis-network and answers the network
// questions of the /api routes in panels: an actor's partners, the path between two actors, the
// centrality ranking, communities as colours, brokers between two regions. Kept in a file of its own
// because the page's Content-Security-Policy allows no inline script; its words come from the page
// (a JSON data block made from i18n.py), so it speaks the page's language. URLs are relative so that
// the service may be deployed under a path prefix.
"use strict";

const WORDS = JSON.parse(document.getElementById("map-strings").textContent);
const BASE = "https://w3id.org/smartregion/";
const OVERVIEW_EDGES = 250; // the opening view: this many of the strongest links
const TOP = 20; // actors in the ranking

// One colour per actor type (most specific class); the legend shows those present.
const COLOURS = {
  Person: "#d95f02", State: "#1b9e77", Municipality: "#66a61e", District: "#a6d854",
  TerritorialAuthority: "#8dd3c7", Ministry: "#7570b3", PublicAgency: "#b3aee8",
  EconomicDevelopmentAgency: "#e7298a", Company: "#e6ab02", Association: "#a6761d",
  ResearchInstitute: "#1f78b4", Initiative: "#fb9a99", OrganisationalUnit: "#bcbcbc", Organisation: "#666666",
};
const COMMUNITY_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
  "#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31"];
const OTHER_COLOUR = "#999999";

const state = {
  network: null, nodes: null, edges: null, data: null, view: "overview", ego: null, selected: null, communities: null,
};

function $(id) { return document.getElementById(id); }

function say(key, values = {}) {
  const text = WORDS[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

function typeName(type) { return WORDS["type." + type] || type; }
function kindName(kind) { return WORDS["kind." + kind] || kind; }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// The page of this service for one of its IRIs: links stay on this instance.
function here(iri) { return iri.slice(BASE.length); }

// A link to the thing's page here; the terms of other vocabularies (a role such as schema:founder) stay text.
function link(text, iri) {
  if (!iri.startsWith(BASE)) return el("span", text);
  const a = el("a", text);
  a.href = here(iri);
  return a;
}

function filterParams() {
  const params = new URLSearchParams();
  const boxes = document.querySelectorAll("#kinds input[type=checkbox]");
  const checked = [...boxes].filter(b => b.checked);
  if (checked.length < boxes.length) checked.forEach(b => params.append("kind", b.value));
  for (const name of ["since", "until", "region"]) {
    const value = $(name).value.trim();
    if (value) params.set(name, value);
  }
  return params;
}

function withFilters(path, params) {
  const all = filterParams();
  for (const [key, value] of params) all.append(key, value);
  return `${path}?${all}`;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail + (body.hint ? ` (${body.hint})` : ""));
  return body;
}

function showError(target, error) {
  target.textContent = say("map.js.error", { message: error.message });
  target.classList.add("error");
}

function actorButton(actor, className = "actor") {
  const button = el("button", actor.label, className);
  button.type = "button";
  button.dataset.iri = actor.iri || actor.id;
  button.addEventListener("click", () => select(button.dataset.iri));
  return button;
}

// -- drawing ------------------------------------------------------------------------------------

function colourOf(node) {
  if (state.communities) {
    const n = state.communities.get(node.id);
    return n === undefined ? OTHER_COLOUR : COMMUNITY_COLOURS[n] || OTHER_COLOUR;
  }
  return COLOURS[node.type] || OTHER_COLOUR;
}

function visNode(n) {
  return {
    id: n.id, label: n.label, value: n.weight, type: n.type,
    title: `${n.label} (${typeName(n.type)}): ${n.degree}`,
    color: { background: colourOf(n), border: "#0004" },
  };
}

function draw(nodes, edges, viewText) {
  state.nodes = new vis.DataSet(nodes.map(visNode));
  state.edges = new vis.DataSet(edges.map(e => ({
    id: e.id, from: e.source, to: e.target, value: e.weight,
    title: `${say("map.js.weight", { weight: e.weight })}: ${e.kinds.map(kindName).join(", ")}`,
  })));
  const options = {
    nodes: { shape: "dot", scaling: { min: 8, max: 40 }, font: { size: 13 } },
    edges: { color: { color: "#9995", highlight: "#c00" }, scaling: { min: 1, max: 8 }, smooth: false },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250 } },
    layout: { improvedLayout: nodes.length < 150, randomSeed: 7 },
    interaction: { hover: true, tooltipDelay: 150, keyboard: true },
  };
  if (state.network) state.network.destroy();
  state.network = new vis.Network($("map"), { nodes: state.nodes, edges: state.edges }, options);
  state.network.on("click", event => { if (event.nodes.length) showPartners(event.nodes[0]); });
  const stats = $("stats");
  stats.className = "";
  stats.textContent = say("map.js.stats", { nodes: nodes.length, edges: edges.length });
  stats.dataset.nodes = String(nodes.length);
  stats.dataset.edges = String(edges.length);
  $("view-text").textContent = viewText;
  document.body.dataset.view = state.view;
  renderLegend(new Set(nodes.map(n => n.type)));
  document.body.dataset.ready = "true";
}

function renderLegend(types) {
  const legend = $("legend");
  legend.replaceChildren();
  if (state.communities) return; // the communities panel lists them with their colours
  for (const type of [...types].sort()) {
    const item = el("span");
    const swatch = el("span", undefined, "swatch");
    swatch.style.background = COLOURS[type] || OTHER_COLOUR;
    item.append(swatch, typeName(type));
    item.dataset.type = type;
    legend.append(item);
  }
}

// The opening view: programme hubs (actors linked to a tenth of the network, e.g. a funder to all
// its participants) left out, and of the remaining links the strongest.
function overview(data) {
  const limit = Math.max(20, data.nodes.length / 10);
  const hubs = data.nodes.filter(n => n.degree > limit);
  const hidden = new Set(hubs.map(n => n.id));
  const edges = data.edges.filter(e => !hidden.has(e.source) && !hidden.has(e.target))
    .sort((a, b) => b.weight - a.weight || a.id.localeCompare(b.id)).slice(0, OVERVIEW_EDGES);
  const shown = new Set(edges.flatMap(e => [e.source, e.target]));
  const names = hubs.sort((a, b) => b.degree - a.degree).map(n => n.label);
  const text = say("map.js.view.overview", { edges: edges.length, hubs: names.slice(0, 4).join(", ") + (names.length > 4 ? ", …" : "") });
  return { nodes: data.nodes.filter(n => shown.has(n.id)), edges, text };
}

async function loadNetwork() {
  document.body.dataset.ready = "";
  try {
    state.data = await getJSON(withFilters("api/network", [["format", "json"]]));
  } catch (error) {
    showError($("stats"), error);
    return;
  }
  await show(state.view);
}

async function show(view) {
  state.view = view;
  document.body.dataset.ready = "";
  if (view === "ego") {
    let data;
    try {
      data = await getJSON(withFilters("api/ego", [["iri", state.ego], ["depth", "1"]]));
    } catch (error) {
      showError($("stats"), error);
      return;
    }
    draw(data.nodes, data.edges, say("map.js.view.ego", { name: data.center.label }));
  } else if (view === "all") {
    draw(state.data.nodes, state.data.edges, say("map.js.view.all"));
  } else {
    const { nodes, edges, text } = overview(state.data);
    draw(nodes, edges, text);
  }
  if (state.selected && state.nodes.get(state.selected)) {
    state.network.selectNodes([state.selected]);
    state.network.focus(state.selected, { scale: 1.1 });
  }
}

// -- the actor panel ----------------------------------------------------------------------------

function evidenceItem(item) {
  const li = el("li");
  li.append(el("span", kindName(item.kind) + ": ", "kind"), link(item.label, item.iri));
  if (item.date) li.append(` (${item.date.slice(0, 10)})`);
  li.append(" – ", link(say("map.js.source"), item.source));
  return li;
}

async function showPartners(iri) {
  state.selected = iri;
  openPanel("details");
  let data;
  try {
    data = await getJSON(withFilters("api/cooperations", [["iri", iri]]));
  } catch (error) {
    showError($("details-hint"), error);
    return;
  }
  if (state.selected !== iri) return; // a later click won the race
  $("details-hint").hidden = true;
  $("details").hidden = false;
  $("actor-name").textContent = data.actor.label;
  $("actor-name").dataset.iri = iri;
  $("actor-page").href = here(iri);
  $("actor-type").textContent = say("map.js.partners", { type: typeName(data.actor.type), n: data.partners.length });
  $("path-from").value = $("path-from").value || data.actor.label;
  const list = $("partners");
  list.replaceChildren();
  for (const partner of data.partners) {
    const li = el("li");
    const evidence = el("ul", undefined, "evidence");
    partner.evidence.forEach(item => evidence.append(evidenceItem(item)));
    li.append(actorButton(partner, "partner"), el("span", " " + say("map.js.weight", { weight: partner.weight }), "weight"), evidence);
    list.append(li);
  }
  if (state.network && state.nodes.get(iri)) state.network.selectNodes([iri]);
}

// Select an actor: centred where the map shows it, else the map switches to its neighbourhood.
async function select(iri) {
  $("search-results").replaceChildren();
  state.selected = iri;
  if (state.network && state.nodes.get(iri)) {
    state.network.selectNodes([iri]);
    state.network.focus(iri, { scale: 1.2, animation: { duration: 400 } });
  } else {
    state.ego = iri;
    await show("ego");
  }
  await showPartners(iri);
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
    showError(results.appendChild(el("li")), error);
    return;
  }
  if (!data.results.length) results.append(el("li", say("map.js.none", { q })));
  for (const hit of data.results) {
    const li = el("li");
    const button = actorButton(hit);
    button.textContent = `${hit.label} (${typeName(hit.type)})`;
    li.append(button);
    results.append(li);
  }
}

// -- the other panels ---------------------------------------------------------------------------

function openPanel(name) {
  for (const button of document.querySelectorAll(".tabs button")) {
    const on = button.dataset.panel === name;
    button.setAttribute("aria-pressed", String(on));
    $("panel-" + button.dataset.panel).hidden = !on;
  }
}

async function findPath(event) {
  event.preventDefault();
  const summary = $("path-summary");
  const steps = $("path-steps");
  summary.className = "";
  steps.replaceChildren();
  let data;
  try {
    data = await getJSON(withFilters("api/path", [["from", $("path-from").value.trim()], ["to", $("path-to").value.trim()]]));
  } catch (error) {
    showError(summary, error);
    return;
  }
  if (!data.connected) {
    summary.textContent = say("map.js.path.none", { message: data.message });
    return;
  }
  summary.textContent = say("map.js.path.steps", { from: data.from.label, to: data.to.label, n: data.length });
  for (const step of data.steps) {
    const li = el("li");
    const evidence = el("ul", undefined, "evidence");
    step.evidence.forEach(item => evidence.append(evidenceItem(item)));
    li.append(actorButton(step.from), " → ", actorButton(step.to),
      el("span", " " + say("map.js.weight", { weight: step.weight }), "weight"), evidence);
    steps.append(li);
  }
  const ids = data.nodes.map(n => n.iri);
  if (!ids.every(id => state.nodes.get(id))) await show("all");
  const onPath = new Set(data.steps.map(s => [s.from.iri, s.to.iri].sort().join(" ")));
  const edges = state.edges.get().filter(e => onPath.has([e.from, e.to].sort().join(" "))).map(e => e.id);
  state.network.setSelection({ nodes: ids, edges }, { highlightEdges: false });
  state.network.fit({ nodes: ids, animation: { duration: 400 } });
}

async function showRanking(event) {
  if (event) event.preventDefault();
  const note = $("ranking-note");
  const list = $("ranking");
  note.className = "hint";
  list.replaceChildren();
  let data;
  try {
    data = await getJSON(withFilters("api/centrality", [["measure", $("measure").value], ["top", String(TOP)]]));
  } catch (error) {
    showError(note, error);
    return;
  }
  const limit = note.dataset.exactUpTo;
  note.textContent = data.sampled ? say("map.js.ranking.sampled", { k: data.k, limit })
    : say("map.js.ranking.exact", { nodes: data.nodes, edges: data.edges, limit, sample: note.dataset.sample });
  note.dataset.sampled = String(data.sampled);
  for (const actor of data.ranking) {
    const li = el("li");
    li.append(actorButton(actor), el("span", ` ${actor.score.toFixed(4)}`, "score"));
    list.append(li);
  }
}

async function toggleCommunities() {
  const button = $("colour-communities");
  const list = $("communities");
  list.replaceChildren();
  if (state.communities) {
    state.communities = null;
    button.setAttribute("aria-pressed", "false");
    $("communities-summary").textContent = "";
  } else {
    let data;
    try {
      data = await getJSON(withFilters("api/communities", []));
    } catch (error) {
      showError($("communities-summary"), error);
      return;
    }
    state.communities = new Map();
    data.communities.forEach(c => c.members.forEach(m => state.communities.set(m.iri, c.id)));
    button.setAttribute("aria-pressed", "true");
    $("communities-summary").textContent = say("map.js.communities", { n: data.communities.length, modularity: data.modularity });
    for (const community of data.communities) {
      const li = el("li");
      const swatch = el("span", undefined, "swatch");
      swatch.style.background = COMMUNITY_COLOURS[community.id] || OTHER_COLOUR;
      li.dataset.size = String(community.size);
      li.append(swatch, say("map.js.community", { n: community.id + 1, size: community.size }), ": ",
        community.members.slice(0, 5).map(m => m.label).join(", ") + (community.size > 5 ? ", …" : ""));
      list.append(li);
    }
  }
  state.nodes.update(state.nodes.get().map(n => ({ id: n.id, color: { background: colourOf(n), border: "#0004" } })));
  renderLegend(new Set(state.nodes.get().map(n => n.type)));
}

async function findBrokers(event) {
  event.preventDefault();
  const summary = $("brokers-summary");
  const list = $("brokers");
  summary.className = "";
  list.replaceChildren();
  let data;
  try {
    data = await getJSON(withFilters("api/brokers", [["between", $("broker-a").value.trim()], ["between", $("broker-b").value.trim()]]));
  } catch (error) {
    showError(summary, error);
    return;
  }
  summary.textContent = say("map.js.brokers", { n: data.brokers.length, a: data.regions[0].label, b: data.regions[1].label });
  for (const broker of data.brokers.slice(0, TOP)) {
    const li = el("li");
    const regions = el("ul", undefined, "evidence");
    for (const side of broker.partners) {
      regions.append(el("li", say("map.js.broker.partners", { region: side.region.label, names: side.partners.map(p => p.label).join(", ") })));
    }
    li.append(actorButton(broker), regions);
    list.append(li);
  }
}

function init() {
  $("filters").addEventListener("submit", event => {
    event.preventDefault();
    loadNetwork();
  });
  $("search-form").addEventListener("submit", search);
  $("show-overview").addEventListener("click", () => show("overview"));
  $("show-all").addEventListener("click", () => show("all"));
  for (const button of document.querySelectorAll(".tabs button")) {
    button.addEventListener("click", () => openPanel(button.dataset.panel));
  }
  $("path-form").addEventListener("submit", findPath);
  $("ranking-form").addEventListener("submit", showRanking);
  $("colour-communities").addEventListener("click", toggleCommunities);
  $("brokers-form").addEventListener("submit", findBrokers);
  const focus = new URLSearchParams(location.search).get("focus");
  if (focus) {
    state.view = "ego";
    state.ego = focus;
    state.selected = focus;
  }
  loadNetwork().then(() => { if (focus && state.nodes && state.nodes.get(focus)) showPartners(focus); });
}

document.addEventListener("DOMContentLoaded", init);
