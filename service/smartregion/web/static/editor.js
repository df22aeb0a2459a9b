// The SPARQL editor page: YASQE for writing, this script for running and showing the answer.
// Everything it asks comes from this service: completions from /api/vocabulary, answers from /sparql.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const t = window.pageStrings("editor-strings");
  const PAGE_SIZE = 50;
  const RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  const textarea = document.getElementById("query");
  const form = document.getElementById("editor-form");
  const status = document.getElementById("status");
  const truncated = document.getElementById("truncated");
  const downloads = document.getElementById("downloads");
  const chart = document.getElementById("chart");
  const resultsBox = document.getElementById("results");

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const name in attrs || {}) node.setAttribute(name, attrs[name]);
    for (const child of children || []) node.append(child);
    return node;
  }

  // -- completion from the service's own vocabulary (never prefix.cc or LOV) -------------------------
  const vocabulary = fetch(config.vocabulary, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { prefixes: {}, classes: [], properties: [] }));
  Yasqe.defaults.autocompleters = ["variables"];
  Yasqe.forkAutocompleter("prefixes", {
    name: "localPrefixes", persistenceId: null,
    get: () => vocabulary.then((v) => Object.keys(v.prefixes).sort().map((p) => p + ": <" + v.prefixes[p] + ">")),
  });
  Yasqe.forkAutocompleter("class", {
    name: "localClasses", bulk: true, persistenceId: null,
    get: () => vocabulary.then((v) => v.classes.map((c) => c.iri)),
  });
  Yasqe.forkAutocompleter("property", {
    name: "localProperties", bulk: true, persistenceId: null,
    get: () => vocabulary.then((v) => v.properties.map((p) => p.iri)),
  });

  const holder = document.getElementById("yasqe");
  const yasqe = new Yasqe(holder, {
    value: textarea.value || "SELECT ?class (COUNT(*) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    persistenceId: null,
    showQueryButton: false,
    resizeable: false,
    editorHeight: "16rem",
    createShareableLink: null,
    consumeShareLink: null,
    autocompleters: ["variables", "localPrefixes", "localClasses", "localProperties"],
    requestConfig: { endpoint: config.endpoint },
  });
  // YASQE's own query() would send the request itself; Ctrl-Enter and its button run ours instead.
  yasqe.query = () => { run(); return Promise.resolve(); };
  textarea.hidden = true;
  window.smartregionEditor = yasqe;

  document.getElementById("examples").addEventListener("change", (event) => {
    const chosen = config.examples.find((e) => e.name === event.target.value);
    if (chosen) yasqe.setValue(chosen.query);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // -- running -------------------------------------------------------------------------------------
  function formOf(query) {
    const type = (yasqe.getQueryType() || "SELECT").toUpperCase();
    return type === "CONSTRUCT" || type === "DESCRIBE" ? "graph" : type === "ASK" ? "boolean" : "solutions";
  }

  function downloadHref(query, format) {
    return config.endpoint + "?" + new URLSearchParams({ query: query, format: format }).toString();
  }

  async function run() {
    const query = yasqe.getValue();
    textarea.value = query;
    history.replaceState(null, "", "?" + new URLSearchParams({ query: query }).toString());
    const kind = formOf(query);
    status.textContent = t("running");
    truncated.hidden = true;
    downloads.hidden = true;
    chart.hidden = true;
    chart.replaceChildren();
    resultsBox.replaceChildren();
    const accept = kind === "graph" ? "text/turtle" : "application/sparql-results+json";
    const started = performance.now();
    let response;
    try {
      response = await fetch(config.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: accept },
        body: query,
      });
    } catch (error) {
      status.textContent = t("failed", { reason: String(error) });
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try { const problem = JSON.parse(text); message = problem.detail + (problem.hint ? " " + problem.hint : ""); } catch (e) { /* plain text */ }
      status.textContent = t("failed", { reason: response.status + ": " + message });
      status.className = "error";
      return;
    }
    status.className = "";
    for (const link of downloads.querySelectorAll("a")) {
      const format = link.dataset.format;
      const fits = kind === "graph" ? format === "turtle" || format === "jsonld" : format !== "turtle" && format !== "jsonld";
      link.hidden = !fits;
      link.href = downloadHref(query, format);
    }
    downloads.hidden = false;
    if (kind === "graph") {
      const text = await response.text();
      resultsBox.append(el("pre", { class: "graph" }, [text]));
      status.textContent = t("done.graph", { seconds: seconds });
      noteCut(response, null);
      return;
    }
    const answer = await response.json();
    noteCut(response, answer.smartregion || null);
    if (answer.boolean !== undefined) {
      status.textContent = t("done.boolean", { seconds: seconds });
      resultsBox.append(el("p", { class: "boolean" }, [answer.boolean ? t("yes") : t("no")]));
      return;
    }
    const vars = answer.head.vars;
    const rows = answer.results.bindings;
    status.textContent = t("done", { rows: rows.length, seconds: seconds });
    const labels = await fetchLabels(rows, vars);
    showTable(vars, rows, labels);
    drawChart(vars, rows, labels);
  }

  function noteCut(response, member) {
    const cut = response.headers.get("X-Result-Truncated") === "true" || (member && member.truncated);
    if (!cut) return;
    const by = response.headers.get("X-Result-Truncated-By") || (member && member.by) || "rows";
    const limit = (by === "bytes" ? response.headers.get("X-Byte-Limit") : response.headers.get("X-Row-Limit")) || (member && member.limit);
    truncated.textContent = t(by === "bytes" ? "cut.bytes" : "cut.rows", { limit: limit || "?" });
    truncated.hidden = false;
  }

  // -- labels and links ----------------------------------------------------------------------------
  async function fetchLabels(rows, vars) {
    const iris = new Set();
    for (const row of rows) for (const v of vars) if (row[v] && row[v].type === "uri") iris.add(row[v].value);
    const wanted = [...iris].slice(0, 500).filter((iri) => !/[\s<>"{}|^`\\]/.test(iri));
    const labels = new Map();
    if (!wanted.length) return labels;
    const query = "SELECT ?s ?l WHERE { VALUES ?s { " + wanted.map((i) => "<" + i + ">").join(" ") + " } ?s <" +
      RDFS_LABEL + "> ?l }";
    try {
      const response = await fetch(config.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
        body: query,
      });
      if (!response.ok) return labels;
      for (const b of (await response.json()).results.bindings) {
        const lang = b.l["xml:lang"] || "";
        const rank = lang === config.lang ? 0 : lang === "" ? 1 : 2;
        const known = labels.get(b.s.value);
        if (!known || rank < known.rank) labels.set(b.s.value, { text: b.l.value, rank: rank });
      }
    } catch (e) { /* labels are a nicety: the table shows IRIs without them */ }
    return labels;
  }

  function pagePath(iri) {
    // This instance answers for its own IRIs: link to the page here, wherever the service runs.
    if (iri.startsWith(config.base + "id/") || iri.startsWith(config.base + "source/")) return config.root + iri.slice(config.base.length);
    if (iri.startsWith(config.base + "ontology")) return config.root + "ontology" + iri.slice((config.base + "ontology").length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function cell(term, labels) {
    if (!term) return el("td", {}, []);
    if (term.type === "uri") {
      const label = labels.get(term.value);
      const href = pagePath(term.value);
      const text = label ? label.text : term.value;
      const content = href ? el("a", { href: href, title: term.value }, [text]) : el("span", { title: term.value }, [text]);
      return el("td", {}, [content]);
    }
    const td = el("td", {}, [term.value]);
    if (term["xml:lang"]) td.setAttribute("lang", term["xml:lang"]);
    return td;
  }

  function sortKey(term, labels) {
    if (!term) return "";
    if (term.type === "uri") return (labels.get(term.value) || { text: term.value }).text.toLowerCase();
    const n = Number(term.value);
    return term.datatype && !Number.isNaN(n) && /#(integer|decimal|double|float|int|long)$/.test(term.datatype) ? n : term.value.toLowerCase();
  }

  function showTable(vars, rows, labels) {
    let order = rows.slice();
    let page = 0;
    let sorted = { column: null, descending: false };
    const table = el("table", { class: "answer" }, []);
    const pager = el("p", { class: "pager" }, []);
    const head = el("tr", {}, vars.map((v) => {
      const button = el("button", { type: "button", "data-column": v }, ["?" + v]);
      button.addEventListener("click", () => {
        sorted = { column: v, descending: sorted.column === v ? !sorted.descending : false };
        order = rows.slice().sort((a, b) => {
          const x = sortKey(a[v], labels), y = sortKey(b[v], labels);
          return (x < y ? -1 : x > y ? 1 : 0) * (sorted.descending ? -1 : 1);
        });
        for (const th of head.children) th.removeAttribute("aria-sort");
        button.parentNode.setAttribute("aria-sort", sorted.descending ? "descending" : "ascending");
        page = 0;
        draw();
      });
      return el("th", { scope: "col" }, [button]);
    }));
    const body = el("tbody", {}, []);
    table.append(el("thead", {}, [head]), body);

    function draw() {
      const slice = order.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
      body.replaceChildren(...slice.map((row) => el("tr", {}, vars.map((v) => cell(row[v], labels)))));
      const pages = Math.max(1, Math.ceil(order.length / PAGE_SIZE));
      const previous = el("button", { type: "button", class: "previous" }, [t("previous")]);
      const next = el("button", { type: "button", class: "next" }, [t("next")]);
      previous.disabled = page === 0;
      next.disabled = page >= pages - 1;
      previous.addEventListener("click", () => { page -= 1; draw(); });
      next.addEventListener("click", () => { page += 1; draw(); });
      pager.replaceChildren(previous, " ", t("page", { page: page + 1, pages: pages }), " ", next);
      pager.hidden = pages === 1;
    }
    draw();
    resultsBox.append(el("div", { class: "scroll" }, [table]), pager);
  }

  // -- a bar chart for two columns: a name and a number --------------------------------------------
  function drawChart(vars, rows, labels) {
    if (vars.length !== 2 || !rows.length) return;
    const [name, value] = vars;
    const bars = rows.slice(0, 30).map((row) => ({
      label: row[name] ? (row[name].type === "uri" ? (labels.get(row[name].value) || { text: row[name].value }).text : row[name].value) : "",
      n: row[value] ? Number(row[value].value) : NaN,
    }));
    if (bars.some((b) => Number.isNaN(b.n))) return;
    const max = Math.max(...bars.map((b) => b.n), 0) || 1;
    const NS = "http://www.w3.org/2000/svg";
    const rowHeight = 22, width = 600, labelWidth = 220;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + bars.length * rowHeight);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", t("chart", { value: value, name: name }));
    bars.forEach((bar, i) => {
      const y = i * rowHeight;
      const text = document.createElementNS(NS, "text");
      text.setAttribute("x", labelWidth - 6); text.setAttribute("y", y + 15); text.setAttribute("text-anchor", "end");
      text.textContent = bar.label.length > 30 ? "…" + bar.label.slice(-29) : bar.label;  // an IRI's end says most
      const rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", labelWidth); rect.setAttribute("y", y + 3); rect.setAttribute("height", rowHeight - 6);
      rect.setAttribute("width", Math.max(1, (width - labelWidth - 60) * Math.max(bar.n, 0) / max));
      const count = document.createElementNS(NS, "text");
      count.setAttribute("x", labelWidth + Math.max(1, (width - labelWidth - 60) * Math.max(bar.n, 0) / max) + 4);
      count.setAttribute("y", y + 15);
      count.textContent = String(bar.n);
      svg.append(text, rect, count);
    });
    chart.replaceChildren(svg, el("figcaption", {}, [t("chart", { value: value, name: name }) +
      (rows.length > bars.length ? " " + t("chart.first", { n: bars.length }) : "")]));
    chart.hidden = false;
  }

  if (config.autorun) run();
})();
