"""The runner's dependency graph agrees with what the notebooks read.

``pipeline.layout.NOTEBOOK_GRAPH`` is declared by hand; each notebook reads
upstream artefacts through ``sources.read_artefacts(dir, {artefact: notebook},
bundle)`` and chapter 01's panel through ``sources.load_panel``. The notebooks'
code is parsed (never run) and checked against the graph:

* every notebook a read names is an upstream of the reader in the graph, and
  publishes that artefact (``pub.data(frame, "artefact")``, or
  ``sources.publish_bundle`` for the panel);
* every declared upstream is read, or the comment above the reader's entry
  in ``layout.py`` names it and says why not.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Mapping
from pathlib import Path

import pytest

from inertia.pipeline import layout
from inertia.pipeline.layout import NOTEBOOK_GRAPH

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: The artefact ``sources.load_panel`` reads, and the chapter that publishes it.
PANEL = ("panel", "01_data")


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    """Calls of ``name`` or ``anything.name``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == name:
                found.append(node)
    return found


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def reads(source: str, where: str) -> dict[str, str]:
    """Artefact -> publishing notebook, of every read in a notebook's code."""
    tree = ast.parse(source)
    found: dict[str, str] = {}
    for call in _calls(tree, "read_artefacts"):
        needed = _argument(call, 1, "needed")
        try:
            mapping = ast.literal_eval(needed) if needed is not None else None
        except ValueError:
            mapping = None
        if not isinstance(mapping, dict):
            raise AssertionError(
                f"{where}, line {call.lineno}: read_artefacts needs a literal "
                "{artefact: notebook} dict, so that the graph can be checked."
            )
        found.update(mapping)
    if _calls(tree, "load_panel"):
        found[PANEL[0]] = PANEL[1]
    return found


def publishes(source: str) -> set[str]:
    """The data artefacts a notebook's code publishes."""
    tree = ast.parse(source)
    names = set()
    for call in _calls(tree, "data"):
        name = _argument(call, 1, "name")
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    if _calls(tree, "publish_bundle"):
        names.add(PANEL[0])
    return names


def entry_comments(source: str) -> dict[str, str]:
    """The comment lines right above each ``"NN_name":`` key of a graph's source."""
    lines = source.splitlines()
    comments: dict[int, str] = {
        token.start[0]: token.string
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }
    out = {}
    for number, line in enumerate(lines, start=1):
        key = re.match(r'\s*"(\d\d_\w+)":', line)
        if key:
            block, above = [], number - 1
            while above in comments and lines[above - 1].lstrip().startswith("#"):
                block.append(comments[above])
                above -= 1
            out[key.group(1)] = " ".join(reversed(block))
    return out


def graph_problems(
    graph: Mapping[str, tuple[str, ...]], sources: Mapping[str, str], graph_source: str
) -> list[str]:
    """Every disagreement between ``graph`` and the notebooks' ``sources``."""
    comments = entry_comments(graph_source)
    published = {name: publishes(text) for name, text in sources.items()}
    problems = []
    for notebook, text in sources.items():
        upstream = graph.get(notebook, ())
        read = reads(text, notebook)
        for artefact, publisher in read.items():
            if publisher not in upstream:
                problems.append(
                    f"{notebook} reads {artefact!r} of {publisher}, which is not its upstream"
                )
            elif artefact not in published.get(publisher, set()):
                problems.append(
                    f"{notebook} reads {artefact!r}, which {publisher} does not publish"
                )
        for name in upstream:
            if name in read.values():
                continue
            said = comments.get(notebook, "")
            if not re.search(rf"\b({re.escape(name)}|{name[:2]})\b", said):
                problems.append(
                    f"{notebook} declares {name} upstream but reads none of its artefacts, "
                    "and the graph's comment does not say why"
                )
    return problems


def test_the_graph_agrees_with_the_notebooks_reads():
    sources = {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    }
    assert set(sources) == set(NOTEBOOK_GRAPH)
    graph_source = Path(layout.__file__).read_text(encoding="utf-8")
    assert graph_problems(NOTEBOOK_GRAPH, sources, graph_source) == []
    # The check sees the reads: chapter 06 reads something of every chapter before it.
    assert set(reads(sources["06_corrective_measures"], "06").values()) == set(
        NOTEBOOK_GRAPH["06_corrective_measures"]
    )


SOURCES = {
    "01_data": 'sources.publish_bundle(bundle, pub)\npub.data(x, "counts")\n',
    "02_b": (
        "bundle = sources.load_panel(processed_dir)\n"
        'up = sources.read_artefacts(processed_dir, {"counts": "01_data"}, bundle)\n'
        'pub.data(y, "scores")\n'
    ),
    "03_c": 'up = sources.read_artefacts(processed_dir, {"scores": "02_b"}, bundle)\n',
}
GRAPH_SOURCE = '''GRAPH = {
    "01_data": (),
    "02_b": ("01_data",),
    # 01 is declared because 03 needs its panel through 02's scores.
    "03_c": ("01_data", "02_b"),
}
'''


def test_graph_problems_find_each_kind_of_disagreement():
    graph = {"01_data": (), "02_b": ("01_data",), "03_c": ("01_data", "02_b")}
    assert graph_problems(graph, SOURCES, GRAPH_SOURCE) == []
    # A read whose notebook is not declared.
    problems = graph_problems({**graph, "03_c": ("01_data",)}, SOURCES, GRAPH_SOURCE)
    assert problems == ["03_c reads 'scores' of 02_b, which is not its upstream"]
    # A declared upstream that is read by nothing and not explained.
    bare = GRAPH_SOURCE.replace(GRAPH_SOURCE.splitlines()[3] + "\n", "")
    problems = graph_problems(graph, SOURCES, bare)
    assert problems == [
        "03_c declares 01_data upstream but reads none of its artefacts, and the graph's "
        "comment does not say why"
    ]
    # A read of an artefact that the named notebook does not publish.
    wrong = {**SOURCES, "03_c": SOURCES["03_c"].replace('"scores"', '"ranks"')}
    assert graph_problems(graph, wrong, GRAPH_SOURCE) == [
        "03_c reads 'ranks', which 02_b does not publish"
    ]


def test_a_computed_read_cannot_be_checked():
    with pytest.raises(AssertionError, match="literal"):
        reads("sources.read_artefacts(processed_dir, needed, bundle)\n", "04_d")
