// The contribute page: sends the chosen file to the write API, first as a dry run, then for real.
// The write token goes only into the Authorization header of these requests: never into a URL,
// never into storage (no localStorage, no cookie). Everything shown is set as text, never as HTML.
(function () {
  "use strict";

  var XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  var t = window.pageStrings("strings");
  var form = document.getElementById("upload-form");
  var kind = document.getElementById("kind");
  var file = document.getElementById("file");
  var agent = document.getElementById("agent");
  var token = document.getElementById("token");
  var importButton = document.getElementById("import");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var checked = null; // the file and kind whose dry run passed: only those may be imported

  function say(text, kindOfMessage) {
    status.textContent = text;
    status.className = kindOfMessage || "";
  }

  function element(name, text, attributes) {
    var node = document.createElement(name);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  function table(id, headers, rows) {
    var tableNode = element("table", null, { id: id });
    var head = tableNode.createTHead().insertRow();
    headers.forEach(function (header) { head.appendChild(element("th", header, { scope: "col" })); });
    var body = tableNode.createTBody();
    rows.forEach(function (cells) {
      var row = body.insertRow();
      cells.forEach(function (cell) {
        var td = row.insertCell();
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null || cell === undefined ? "" : String(cell);
      });
    });
    return tableNode;
  }

  function entityLink(iri, label) {
    // Our own IRIs open on this instance; the text is the label, the IRI its tooltip.
    var base = "https://w3id.org/smartregion/";
    var href = iri.indexOf(base) === 0 ? iri.slice(base.length) : null;
    var link = element(href ? "a" : "span", label || iri, { title: iri });
    if (href) link.setAttribute("href", href);
    return link;
  }

  function candidates(problem) {
    var cell = element("span", null, { "class": "candidates" });
    (problem.candidates || []).forEach(function (c) { cell.appendChild(entityLink(c.iri, c.label)); });
    return cell;
  }

  function showProblems(problems) {
    result.appendChild(table("problems",
      [t("contribute.js.row"), t("contribute.js.column"), t("contribute.js.problem"), t("contribute.js.fix"), t("contribute.js.candidates")],
      problems.map(function (p) { return [p.row, p.column, p.message, p.fix, candidates(p)]; })));
  }

  function showEntities(entities) {
    result.appendChild(table("entities",
      [t("contribute.js.entry"), t("contribute.js.types"), t("contribute.js.status"), t("contribute.js.statements")],
      entities.map(function (e) {
        return [entityLink(e.iri, e.label), e.types.join(", "), t(e["new"] ? "contribute.js.new" : "contribute.js.updated"), e.statements];
      })));
  }

  function showWarnings(warnings) {
    if (!warnings || !warnings.length) return;
    result.appendChild(element("h3", t("contribute.js.warnings")));
    result.appendChild(table("warnings", [t("contribute.js.row"), t("contribute.js.column"), t("contribute.js.problem")],
      warnings.map(function (w) { return [w.row, w.column, w.message]; })));
  }

  async function send(dryRun) {
    var chosen = file.files[0];
    result.textContent = "";
    if (!chosen) { say(t("contribute.js.nofile"), "error"); return; }
    var isXlsx = /\.xlsx$/i.test(chosen.name);
    var params = new URLSearchParams({ kind: kind.value, agent: agent.value.trim() || "web", filename: chosen.name });
    if (dryRun) params.set("dry_run", "true");
    var headers = { "Content-Type": isXlsx ? XLSX : "text/csv" };
    if (token.value.trim()) headers.Authorization = "Bearer " + token.value.trim();
    say(t(dryRun ? "contribute.js.checking" : "contribute.js.importing"));
    importButton.disabled = true;
    var response, body;
    try {
      response = await fetch("api/contributions?" + params.toString(),
        { method: "POST", headers: headers, body: chosen, credentials: "omit", cache: "no-store" });
      body = await response.json();
    } catch (error) {
      say(t("contribute.js.failed") + ": " + error.message, "error");
      return;
    }
    if (response.status === 401 || response.status === 403) {
      say(t("contribute.js.unauthorised") + " (" + body.detail + ")", "error");
    } else if (response.status === 422 && body.problems) {
      say(t("contribute.js.problems", { n: body.problems.length }), "error");
      showProblems(body.problems);
    } else if (!response.ok) {
      say(t("contribute.js.failed") + ": " + (body.title || response.status) + " — " + (body.detail || ""), "error");
    } else if (dryRun) {
      var fresh = body.entities.filter(function (e) { return e["new"]; }).length;
      say(t("contribute.js.ok", { triples: body.triples, "new": fresh, updated: body.entities.length - fresh }), "ok");
      showEntities(body.entities);
      showWarnings(body.warnings);
      checked = { file: chosen, kind: kind.value };
      importButton.disabled = false;
    } else {
      say(t("contribute.js.done", { id: body.id, triples: body.triples }), "ok");
      result.appendChild(element("a", t("contribute.js.show"), { href: "contribution/" + encodeURIComponent(body.id), id: "contribution-link" }));
      showWarnings(body.warnings);
      checked = null;
    }
  }

  function invalidate() {
    checked = null;
    importButton.disabled = true;
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(true); });
  importButton.addEventListener("click", function () {
    if (checked && checked.file === file.files[0] && checked.kind === kind.value) send(false);
  });
  kind.addEventListener("change", invalidate);
  file.addEventListener("change", invalidate);
})();
