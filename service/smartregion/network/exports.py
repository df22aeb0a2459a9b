"""The network as files for other tools: GraphML and GEXF (Gephi, yEd), CSV and XLSX (spreadsheets),
JSON (Cytoscape.js, vis-network).

Every node has ``iri``, ``label``, ``type``, ``group``, ``weight`` (sum of its link weights) and
``evidence_count``; every link has ``weight``, ``kinds`` (";"-separated), ``evidence_count`` and
``evidence`` (the evidence list as a JSON string).

GraphML and GEXF are valid against the schemas they declare (GraphML 1.0, GEXF 1.2draft; the tests
check both). A GraphML node id must be an XML name token, which an IRI (with ``/``) is not, so nodes
are ``n0``, ``n1``, ... in IRI order and the IRI is the node's ``iri`` attribute; GEXF uses the same
ids. GEXF is written here rather than by networkx, whose writer gives ``<graph>`` a ``name`` that the
1.2draft schema does not allow and writes empty values; an empty value here is left out.

The CSV is an edge list, one row per link. Nodes are given by their IRI in ``source`` and
``target`` with their label and type alongside; the network holds only linked actors, so every
node appears in at least one row. The XLSX has two sheets, the actors and the links.
Text a spreadsheet would read as a formula never runs (sheets.py).
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

import networkx as nx

from smartregion.rdf import sheets

FORMATS = {
    "json": "application/json",
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": sheets.CSV,
    "xlsx": sheets.XLSX,
}

CSV_COLUMNS = ("source", "target", "source_label", "target_label", "source_type", "target_type",
               "weight", "kinds", "evidence_count")
NODE_COLUMNS = ("iri", "label", "type", "group", "weight", "evidence_count", "degree")
GEXF_NS = "http://www.gexf.net/1.2draft"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


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
    """A copy with XML-name node ids (``n0``, ...; the IRI in ``iri``) and scalar attributes only."""
    ids = {node: f"n{i}" for i, node in enumerate(sorted(graph))}
    flat = nx.Graph()
    for node, node_id in ids.items():
        flat.add_node(node_id, iri=node, **_node_attributes(graph, node))
    for a, b, d in _edges(graph):
        flat.add_edge(ids[a], ids[b], weight=float(d["weight"]), kinds=";".join(d["kinds"]),
                      evidence_count=len(d["evidence"]), evidence=json.dumps(d["evidence"], ensure_ascii=False))
    return flat


def _gexf_type(value: object) -> str:
    return "double" if isinstance(value, float) else "long" if isinstance(value, int) else "string"


def to_gexf(graph: nx.Graph) -> bytes:
    """GEXF 1.2draft of the flat graph: node labels as ``label``, link weights as ``weight``, the rest as attributes."""
    flat = flat_graph(graph)
    ElementTree.register_namespace("", GEXF_NS)
    ElementTree.register_namespace("xsi", XSI)
    root = ElementTree.Element(f"{{{GEXF_NS}}}gexf", {"version": "1.2", f"{{{XSI}}}schemaLocation": f"{GEXF_NS} {GEXF_NS}/gexf.xsd"})
    meta = ElementTree.SubElement(root, f"{{{GEXF_NS}}}meta")
    ElementTree.SubElement(meta, f"{{{GEXF_NS}}}creator").text = "smartregion"
    ElementTree.SubElement(meta, f"{{{GEXF_NS}}}description").text = "Cooperation network of the smart-city and smart-region ecosystem"
    element = ElementTree.SubElement(root, f"{{{GEXF_NS}}}graph", {"defaultedgetype": "undirected", "mode": "static"})
    items = {
        "node": [(node, data) for node, data in flat.nodes(data=True)],
        "edge": [((a, b), data) for a, b, data in flat.edges(data=True)],
    }
    skip = {"node": {"label"}, "edge": {"weight"}}  # written as the element's own attributes
    for cls, entries in items.items():
        declared = ElementTree.SubElement(element, f"{{{GEXF_NS}}}attributes", {"class": cls, "mode": "static"})
        sample = entries[0][1] if entries else {}
        for key, value in sample.items():
            if key not in skip[cls]:
                ElementTree.SubElement(declared, f"{{{GEXF_NS}}}attribute", {"id": key, "title": key, "type": _gexf_type(value)})
    nodes = ElementTree.SubElement(element, f"{{{GEXF_NS}}}nodes", {"count": str(flat.number_of_nodes())})
    for node, data in items["node"]:
        attributes = {"id": node, **({"label": data["label"]} if data["label"] else {})}
        _attvalues(ElementTree.SubElement(nodes, f"{{{GEXF_NS}}}node", attributes), data, skip["node"])
    edges = ElementTree.SubElement(element, f"{{{GEXF_NS}}}edges", {"count": str(flat.number_of_edges())})
    for i, ((a, b), data) in enumerate(items["edge"]):
        edge = ElementTree.SubElement(edges, f"{{{GEXF_NS}}}edge", {"id": f"e{i}", "source": a, "target": b, "weight": repr(data["weight"])})
        _attvalues(edge, data, skip["edge"])
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _attvalues(parent: ElementTree.Element, data: dict, skip: set[str]) -> None:
    values = [(key, value) for key, value in data.items() if key not in skip and value != ""]
    if values:
        container = ElementTree.SubElement(parent, f"{{{GEXF_NS}}}attvalues")
        for key, value in values:
            ElementTree.SubElement(container, f"{{{GEXF_NS}}}attvalue", {"for": key, "value": str(value)})


def edge_sheet(graph: nx.Graph) -> sheets.Sheet:
    """The edge list: one row per link, its ends by IRI with label and type alongside."""
    def rows():
        for a, b, d in _edges(graph):
            na, nb = graph.nodes[a], graph.nodes[b]
            yield [a, b, na["label"], nb["label"], na["type"], nb["type"], d["weight"], ";".join(d["kinds"]), len(d["evidence"])]

    return sheets.Sheet("links", CSV_COLUMNS, rows())


def node_sheet(graph: nx.Graph) -> sheets.Sheet:
    """Every actor with its label, type, summed link weight, evidence count and number of partners."""
    rows = ([n, *(_node_attributes(graph, n)[c] for c in NODE_COLUMNS[1:-1]), graph.degree(n)] for n in sorted(graph))
    return sheets.Sheet("actors", NODE_COLUMNS, rows)


def render(graph: nx.Graph, fmt: str, dialect: sheets.Dialect = "rfc4180") -> bytes:
    """The network in one of ``FORMATS``, as the bytes of a file (``dialect``: of the CSV, see sheets.py)."""
    if fmt == "json":
        return json.dumps(network_json(graph), ensure_ascii=False).encode()
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(flat_graph(graph))).encode()
    if fmt == "gexf":
        return to_gexf(graph)
    if fmt == "csv":
        return sheets.to_csv(edge_sheet(graph), dialect)
    if fmt == "xlsx":
        return sheets.to_xlsx(node_sheet(graph), edge_sheet(graph))
    raise ValueError(f"unknown export format '{fmt}'; use one of {', '.join(FORMATS)}")
