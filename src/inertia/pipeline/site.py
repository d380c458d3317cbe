"""``reports/index.html``: a browsable gallery generated from the manifest."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from inertia.formatting import significant
from inertia.pipeline.layout import NOTEBOOK_GRAPH
from inertia.pipeline.notebook import SOURCE_SUFFIX

CHAPTER_TITLES = {
    "01_data": "01 · Data: the canonical panel, its quality and coverage",
    "02_validation": "02 · Validation of every headline test on simulated truths",
    "03_inertia_evidence": "03 · Measuring synergy and the evidence of inertia",
    "04_role_deviation": "04 · Local governments' role deviation",
    "05_chain_reaction": "05 · The chain reaction",
    "06_corrective_measures": "06 · Corrective measures",
    "07_robustness": "07 · Robustness and the specification curve",
}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .3rem; }
h3 { margin-top: 2rem; }
.banner { background: #fdecea; border: 1px solid #8a1c1c; color: #8a1c1c; padding: .6rem 1rem;
          margin: 1rem 0; font-weight: 600; }
.real { background: #e8f4ea; border: 1px solid #1c6b2e; color: #1c6b2e; }
figure { margin: 1.5rem 0; border: 1px solid #eee; padding: .8rem; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: .9rem; margin-top: .4rem; }
.meta { font-size: .8rem; color: #555; }
.meta code { font-size: .75rem; }
.table-wrap { overflow-x: auto; font-size: .85rem; }
nav a { margin-right: 1rem; }
"""


def _params_text(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in parameters.items())


def _entry_html(entry: dict[str, Any], root: Path) -> str:
    files = {Path(f["path"]).suffix: f["path"] for f in entry["files"]}
    meta = (
        f'<div class="meta">Notebook <a href="{html.escape(entry["executed_notebook"])}">'
        f"{html.escape(entry['notebook'])}</a>, cell {entry['cell']['index']}; "
        f"data source: <b>{html.escape(entry['data_source'])}</b>; parameters: "
        f"<code>{html.escape(_params_text(entry['parameters']))}</code>; files: "
        + ", ".join(
            f'<a href="{html.escape(p)}">{html.escape(Path(p).name)}</a>' for p in files.values()
        )
        + "</div>"
    )
    caption = f"<figcaption><b>{html.escape(entry['name'])}</b>. {html.escape(entry['caption'])}"
    if entry["kind"] == "figure":
        body = f'<img src="{html.escape(files[".png"])}" alt="{html.escape(entry["name"])}">'
    elif entry["kind"] == "verdict":
        body = _verdict_html(json.loads((root / files[".json"]).read_text(encoding="utf-8")))
    else:
        table_html = (root / files[".html"]).read_text(encoding="utf-8")
        body = f'<div class="table-wrap">{table_html}</div>'
    return (
        f'<figure id="{entry["run"]}-{entry["name"]}">{body}{caption}{meta}</figcaption></figure>'
    )


def _verdict_html(payload: dict[str, Any]) -> str:
    """The verdicts of a chapter as a small table: claim, verdict, estimate, interval, p."""

    def number(value: Any) -> str:
        return significant(value, 3, missing="")

    rows = "".join(
        "<tr>"
        f"<td>{html.escape(c['claim'])}</td><td><b>{html.escape(c['verdict'])}</b></td>"
        f"<td>{html.escape(c['statistic'])}</td><td>{number(c['estimate'])}</td>"
        f"<td>[{number(c['ci_low'])}, {number(c['ci_high'])}]</td>"
        f"<td>{number(c['p_value'])}</td>"
        "</tr>"
        for c in payload.get("claims", [])
    )
    head = (
        "<tr><th>claim</th><th>verdict</th><th>statistic</th><th>estimate</th>"
        "<th>95% interval</th><th>p-value</th></tr>"
    )
    return f'<div class="table-wrap"><table>{head}{rows}</table></div>'


def write_site(root: Path, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` into ``root`` (a version folder being built)."""
    runs = manifest["runs"]
    entries = manifest["outputs"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">',
        "<title>Synergistic inertia: results</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Synergistic inertia in intergovernmental public-service cooperation</h1>",
        f'<p class="meta">Commit <code>{html.escape(manifest["git_commit"])}</code>, '
        f"Python {html.escape(manifest['python'])}. Every figure and table below is listed "
        'with its provenance in <a href="MANIFEST.json">MANIFEST.json</a>.</p>',
        "<nav>" + "".join(f'<a href="#run-{r}">{html.escape(r)}</a>' for r in runs) + "</nav>",
    ]
    for run, description in runs.items():
        run_entries = [e for e in entries if e["run"] == run]
        parts.append(f'<h2 id="run-{run}">Run: {html.escape(run)}</h2>')
        parts.append(f"<p>{html.escape(description)}</p>")
        manuscripts = [m for m in manifest.get("manuscripts", []) if m["run"] == run]
        if manuscripts:
            links = ", ".join(
                f'<a href="{html.escape(f["path"])}">{html.escape(m["language"])} '
                f"{html.escape(Path(f['path']).suffix.lstrip('.').upper())}</a>"
                for m in manuscripts
                for f in m["files"]
            )
            parts.append(f'<p class="manuscripts">Manuscript: {links}</p>')
        sources = {e["data_source"] for e in run_entries}
        if "simulated" in sources:
            parts.append(
                '<div class="banner">Simulated data: these results come from the synthetic '
                "replication panel, whose true parameters are known. They are not real "
                "statistics.</div>"
            )
        elif sources:
            parts.append(
                '<div class="banner real">Real data: China City Statistical Yearbook '
                "editions supplied by the user.</div>"
            )
        for notebook in NOTEBOOK_GRAPH:
            source = f"notebooks/{notebook}{SOURCE_SUFFIX}"
            chapter = [e for e in run_entries if e["notebook"] == source]
            if not chapter:
                continue
            page = f"notebooks/{run}/{notebook}.html"
            parts.append(
                f"<h3>{html.escape(CHAPTER_TITLES.get(notebook, notebook))}</h3>"
                f'<p class="meta">Executed notebook: <a href="{page}">{notebook}</a></p>'
            )
            parts += [_entry_html(e, root) for e in chapter]
    parts.append("</body></html>")
    path = root / "index.html"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
