"""The network as files for other tools: GraphML and GEXF (Gephi, yEd), CSV, JSON (Cytoscape.js, vis-network).

networkx's GraphML and GEXF writers refuse list, dict and None attributes, so the graph is first
flattened to scalars: every node has ``label``, ``type``, ``group``, ``weight`` (sum of its link
weights) and ``evidence_count``; every link has ``weight``, ``kinds`` (";"-separated),
``evidence_count`` and ``evidence`` (the evidence list as a JSON string).

The CSV is an edge list, one row per link. Nodes are given by their IRI in ``source`` and
``target`` with their label and type alongside; the network holds only linked actors, so every
node appears in at least one row. A label a spreadsheet would read as a formula (``=...``, ``+...``,
``-...``, ``@...``) is written with a leading ``'`` (csvsafe.py).
"""

from __future__ import annotations

import csv
import io
import json

import networkx as nx

from smartregion.rdf import csvsafe

FORMATS = {
    "json": "application/json",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": "text/csv; charset=utf-8",
}

CSV_COLUMNS = ("source", "target", "source_label", "target_label", "source_type", "target_type",
               "weight", "kinds", "evidence_count")


def _node_attributes(graph: nx.Graph, node: str) -> dict:
    data = graph.nodes[node]
    return {
        "label": data["label"], "type": data["type"], "group": data["group"],
        "weight": graph.degree(node, weight="weight"),
        "evidence_count": sum(len(graph[node][other]["evidence"]) for other in graph[node]),
    }


def _edges(graph: nx.Graph) -> list[tuple[str, str, dict]]:
    # A stable order, so that two exports of the same revision are byte-identical.
    return sorted(((min(a, b), max(a, b), data) for a, b, data in graph.edges(data=True)), key=lambda e: e[:2])


def network_json(graph: nx.Graph) -> dict:
    """``{nodes: [{id, label, type, ...}], edges: [{source, target, weight, kinds, evidence_count}]}``."""
    return {
        "nodes": [{"id": n, **_node_attributes(graph, n), "degree": graph.degree(n)} for n in sorted(graph)],
        "edges": [
            {"id": f"{a} {b}", "source": a, "target": b, "weight": d["weight"], "kinds": d["kinds"],
             "evidence_count": len(d["evidence"])}
            for a, b, d in _edges(graph)
        ],
    }


def flat_graph(graph: nx.Graph) -> nx.Graph:
    """A copy with scalar attributes only, for the GraphML and GEXF writers."""
    flat = nx.Graph()
    for node in sorted(graph):
        flat.add_node(node, **_node_attributes(graph, node))
    for a, b, d in _edges(graph):
        flat.add_edge(a, b, weight=float(d["weight"]), kinds=";".join(d["kinds"]),
                      evidence_count=len(d["evidence"]), evidence=json.dumps(d["evidence"], ensure_ascii=False))
    return flat


def to_csv(graph: nx.Graph) -> str:
    """The edge list; text cells a spreadsheet would evaluate get a leading ' (csvsafe.py), numbers stay numbers."""
    out = io.StringIO()
    # CRLF as RFC 4180 has it; with "\n" Python 3.11's writer leaves a CR inside a label unquoted, breaking the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a, b, d in _edges(graph):
        na, nb = graph.nodes[a], graph.nodes[b]
        text = [a, b, na["label"], nb["label"], na["type"], nb["type"]]
        writer.writerow([*map(csvsafe.cell, text), d["weight"], csvsafe.cell(";".join(d["kinds"])), len(d["evidence"])])
    return out.getvalue()


def render(graph: nx.Graph, fmt: str) -> bytes:
    """The network in one of ``FORMATS``, as the bytes of a file."""
    if fmt == "json":
        return json.dumps(network_json(graph), ensure_ascii=False).encode()
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(flat_graph(graph))).encode()
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(flat_graph(graph))).encode()
    if fmt == "csv":
        return to_csv(graph).encode()
    raise ValueError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
