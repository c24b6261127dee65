"""Text from a data file stays text wherever the project writes it.

A hostile file's labels and values must not run as spreadsheet formulas in the CSV output, must
not drive the terminal (escape sequences, control and bidi characters), must not become markup
in a report's inline SVG, and ``survey weight`` must never write over its own input. The CLI
behaviours are checked in real ``survey`` processes; the report ones through the real chart,
figure-saving, rendering and export code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from commands import run_survey
from survey import figures
from survey.errors import InputError
from survey.io import VariableMeta, frame_meta, sha256_file, write_sav
from survey.report import render_html
from survey.report.content import (
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.export import write_tables

FORMULA = '=HYPERLINK("http://x","klik")'
ESCAPES = "\x1b[31mrood\x1b[0m\x1b]0;titel\x07"
BIDI = "\u202e\u2066\u200f"
#: What a terminal obeys or reorders: ESC, C0/C1 controls but tab and newline, bidi controls.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """Six cases: a labelled item whose labels hold a formula, escapes and bidi controls."""
    frame = pd.DataFrame(
        {
            "q": [1.0, 2.0, 1.0, -1.0, 2.0, 1.0],
            "score": [-0.5, -0.2, 0.1, -0.3, -0.1, 0.0],
        }
    )
    variables = dict(frame_meta(frame).variables)
    variables["q"] = VariableMeta(
        "q",
        f"+Vraag {ESCAPES}{BIDI}einde",
        "numeric",
        "F2.0",
        "nominal",
        {1.0: FORMULA, 2.0: f"Nee{BIDI}\nerror: nep", -1.0: "Weet niet"},
        missing_values=(-1.0,),
    )
    path = tmp_path / "hostile.sav"
    write_sav(frame, frame_meta(frame).replace(variables=variables), path)
    return path


def survey(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = run_survey([str(a) for a in args], tmp_path)
    return result.returncode, result.stdout, result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- CSV formulas


def test_codebook_csv_neutralises_formula_labels_and_keeps_numeric_codes(
    hostile: Path, tmp_path: Path
) -> None:
    code, out, err = survey(tmp_path, "codebook", hostile, "--format", "csv")
    assert code == 0, err
    rows = [row for row in csv_rows(out) if row["variable"] == "q"]
    assert {row["label"] for row in rows} == {"'+Vraag roodeinde"}
    assert "'" + FORMULA in {row["value_label"] for row in rows}
    assert {row["code"] for row in rows} == {"1", "2", "-1"}


def test_estimate_csv_neutralises_formula_levels(hostile: Path, tmp_path: Path) -> None:
    code, out, err = survey(tmp_path, "estimate", hostile, "--var", "q", "--format", "csv")
    assert code == 0, err
    levels = [row["level"] for row in csv_rows(out)]
    assert "'" + FORMULA in levels and FORMULA not in levels


def test_estimate_csv_writes_a_negative_estimate_as_a_number(hostile: Path, tmp_path: Path) -> None:
    code, out, err = survey(tmp_path, "estimate", hostile, "--var", "score", "--format", "csv")
    assert code == 0, err
    (row,) = csv_rows(out)
    assert float(row["estimate"]) == pytest.approx(-1 / 6)
    assert float(row["ci_low"]) < 0


def test_validate_csv_neutralises_formula_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({"city": ["Breda", "=cmd|' /C calc'!A0", "@SUM(A1)"]})
    data = tmp_path / "cities.sav"
    write_sav(frame, frame_meta(frame), data)
    codebook = tmp_path / "cities.yaml"
    codebook.write_text(
        "wave: w\nsurvey: s\ntitle: t\nid: null\nweighted: false\nvariables:\n"
        "  city: {raw: city, type: string, label: Stad, values: {Breda: Breda}}\n",
        encoding="utf-8",
    )
    code, out, err = survey(tmp_path, "validate", data, "--codebook", codebook, "--format", "csv")
    assert code == 3, err
    values = {row["value"] for row in csv_rows(out)}
    assert values == {"'=cmd|' /C calc'!A0", "'@SUM(A1)"}


def test_report_csv_export_neutralises_formula_text_and_keeps_negative_numbers(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame(
        {
            "measure": ["=1+1", "-Productiviteit", "Kosten"],
            "estimate": [-0.12, 0.3, 0.25],
            "status": ["", "", ""],
            "reason": ["", "", ""],
        }
    )
    columns = [ColumnSpec("measure", "Maat", "text"), ColumnSpec("estimate", "Verschil", "number")]
    table = ReportTable("diffs", "Verschillen", frame, columns)
    content = ReportContent("t", "nl", False, [ReportSection("s", "S", tables=[table])])
    (path,) = write_tables(content, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Verschillen")  # header notes as before
    assert lines[2:] == [
        '"\'=1+1",-0.12,"",""',
        '"\'-Productiviteit",0.3,"",""',
        '"Kosten",0.25,"",""',
    ]


# --------------------------------------------------------------------------- terminal output


def test_codebook_table_prints_no_escape_or_bidi_characters_and_keeps_each_label_on_its_line(
    hostile: Path, tmp_path: Path
) -> None:
    code, out, err = survey(tmp_path, "codebook", hostile)
    assert code == 0, err
    assert not UNSAFE.search(out), UNSAFE.search(out)
    assert "  +Vraag roodeinde\n" in out
    assert "Nee error: nep" in out  # the label's newline does not start a line of its own
    assert not any(line.startswith("error:") for line in out.splitlines())


def test_codebook_json_escapes_bidi_controls_and_decodes_to_the_labels(
    hostile: Path, tmp_path: Path
) -> None:
    code, out, err = survey(tmp_path, "codebook", hostile, "--format", "json")
    assert code == 0, err
    assert not UNSAFE.search(out)
    labels = {row["label"] for row in json.loads(out)["codes"] if row["variable"] == "q"}
    assert labels == {f"+Vraag {ESCAPES}{BIDI}einde"}  # lossless: the escapes decode back


def test_error_messages_print_no_escape_or_bidi_characters_and_keep_their_own_lines(
    hostile: Path, tmp_path: Path
) -> None:
    margins = tmp_path / "margins.csv"
    margins.write_text(f"variable,level,target\nq,{ESCAPES}{BIDI}Ja,0\n", encoding="utf-8")
    code, _, err = survey(
        tmp_path, "weight", hostile, "--out", tmp_path / "w.sav", "--rake", margins
    )
    assert code == 3
    assert not UNSAFE.search(err), UNSAFE.search(err)
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and "level 'roodJa' has target" in lines[0]
    assert lines[1].startswith("  what to do: ")


# --------------------------------------------------------------------------- SVG in the report


def chart_svg(labels: list[str], stem: Path) -> str:
    shares = pd.DataFrame(
        {"level": labels, "estimate": 0.4, "ci_low": 0.3, "ci_high": 0.5, "n": 100}
    )
    return figures.save_figure(figures.share_bars(shares).figure, stem, alt=labels[0]).svg


def report_with(svg: str) -> ReportContent:
    figure = ReportFigure("chart", "Grafiek", svg, "Een grafiek")
    return ReportContent("t", "nl", False, [ReportSection("s", "S", figures=[figure])])


def svg_texts(html: str) -> list[str]:
    """The text of every <text> element of the (one) inline SVG of the report."""
    svg = re.search(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert svg
    root = ET.fromstring(svg.group(0))
    return ["".join(node.itertext()) for node in root.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize(
    "label", ["online =", "javascript: cursus", "<script>alert(1)</script>", "onload=alert(1)"]
)
def test_a_chart_label_that_looks_like_markup_renders_as_escaped_text(
    label: str, tmp_path: Path
) -> None:
    html = render_html(report_with(chart_svg([label, "Anders"], tmp_path / "chart")))
    assert label in svg_texts(html)
    assert not re.search(r"<script\b", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*\sonload=", html, re.IGNORECASE)
    if "<" in label:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_chart_label_with_control_characters_still_makes_a_valid_figure(
    tmp_path: Path,
) -> None:
    with pytest.warns(UserWarning, match="missing from font"):  # matplotlib has no glyph for them
        svg = chart_svg(["Ja\x01\x1b[0m", "Nee"], tmp_path / "chart")
    assert "Ja[0m" in svg_texts(render_html(report_with(svg)))


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
HOSTILE_SVG = {
    "script element": SVG.format("<script>alert(1)</script>"),
    "upper-case script": SVG.format("<SCRIPT>alert(1)</SCRIPT>"),
    "onload attribute": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "onclick on a shape": SVG.format('<rect onClick="alert(1)"/>'),
    "foreignObject": SVG.format("<foreignObject><div>x</div></foreignObject>"),
    "javascript link": SVG.format('<a href="javascript:alert(1)"><text>x</text></a>'),
    "entity-encoded javascript link": SVG.format('<a xlink:href="&#106;avascript:alert(1)"/>'),
    "external image": SVG.format('<image href="https://x.org/a.png"/>'),
    "external use": SVG.format('<use xlink:href="other.svg#a"/>'),
    "external fill": SVG.format('<rect fill="url(https://x.org/p.svg#g)"/>'),
    "external style url": SVG.format('<rect style="fill: url(//x.org/a)"/>'),
    "css escape": SVG.format(r'<rect style="fill: u\72l(//x.org/a)"/>'),
    "style sheet import": SVG.format("<style>@import 'https://x.org/a.css';</style>"),
    "animation to a script url": SVG.format(
        '<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'
    ),
    "html breakout": SVG.format('<p/><iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/>'),
    "elements in a title": SVG.format('<title><img src="x" onerror="alert(1)"/></title>'),
    "processing instruction": SVG.format("<?x ><script>alert(1)</script> ?>"),
    "comment html ends early": SVG.format("<!--><script>alert(1)</script>-->"),
    "cdata section": SVG.format("<style><![CDATA[</style><img src=x onerror=alert(1)>]]></style>"),
    "not well-formed": SVG.format("<g>"),
    "markup after the svg": SVG.format("") + "<script>alert(1)</script>",
}


@pytest.mark.parametrize("svg", HOSTILE_SVG.values(), ids=HOSTILE_SVG.keys())
def test_a_hand_made_svg_with_script_handlers_or_external_resources_is_refused(svg: str) -> None:
    with pytest.raises(InputError, match="figure 'chart': its SVG holds"):
        render_html(report_with(svg))


# --------------------------------------------------------------------------- survey weight


@pytest.fixture
def regions(tmp_path: Path) -> tuple[Path, Path]:
    """A labelled region variable and margins that fit it: weighting itself would succeed."""
    frame = pd.DataFrame({"region": [1.0, 1.0, 2.0, 2.0, 2.0]})
    variables = {"region": VariableMeta("region", "Regio", "numeric", "F1.0", "nominal",
                                        {1.0: "Noord", 2.0: "Zuid"})}  # fmt: skip
    data = tmp_path / "regions.sav"
    write_sav(frame, frame_meta(frame).replace(variables=variables), data)
    margins = tmp_path / "margins.csv"
    margins.write_text("variable,level,target\nregion,Noord,60\nregion,Zuid,40\n", "utf-8")
    return data, margins


def alias(data: Path, how: str) -> str:
    if how == "same path":
        return str(data)
    if how == "relative path":
        return f"./{data.name}"
    other = data.with_name(f"{how.replace(' ', '_')}.sav")
    if how == "symlink":
        other.symlink_to(data)
    else:
        os.link(data, other)
    return str(other)


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "hard link"])
def test_weight_refuses_to_write_over_its_input(
    regions: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    data, margins = regions
    before = sha256_file(data)
    out = alias(data, how)
    code, _, err = survey(tmp_path, "weight", data, "--out", out, "--poststratify", margins)
    assert code == 3
    assert f"error: --out {out} is the input file {data} itself" in err
    assert "what to do: write to another file" in err
    assert sha256_file(data) == before


def test_weight_refuses_diagnostics_over_its_input(
    regions: tuple[Path, Path], tmp_path: Path
) -> None:
    data, margins = regions
    before = sha256_file(data)
    code, _, err = survey(
        tmp_path, "weight", data, "--out", tmp_path / "w.sav", "--poststratify", margins,
        "--diagnostics", data,
    )  # fmt: skip
    assert code == 3 and "--diagnostics" in err
    assert sha256_file(data) == before
    assert not (tmp_path / "w.sav").exists()


def test_weight_still_writes_to_another_file(regions: tuple[Path, Path], tmp_path: Path) -> None:
    data, margins = regions
    code, _, err = survey(
        tmp_path, "weight", data, "--out", tmp_path / "w.sav", "--poststratify", margins
    )
    assert code == 0, err
    assert (tmp_path / "w.sav").exists()
