"""A small, hand-made :class:`ReportContent` for tests and for trying the templates.

It has what the renderer must handle: a proportion table with a suppressed small cell, NCHS
reliability flags, a mean, a value label that looks like HTML, a table of tests with p-values,
an inline SVG figure, an appendix with reproduction verdicts and a nested provenance. The
numbers are invented; the tables pass through disclosure control as the report's do.
"""

from __future__ import annotations

import pandas as pd

from repo import CONFIG
from survey.disclosure import SUM, Cell, DisclosurePolicy, Use, disclose
from survey.report.content import (
    ColumnSpec,
    ReportContent,
    ReportFigure,
    ReportSection,
    ReportTable,
)
from survey.report.texts import load_text

__all__ = ["HOSTILE_LABEL", "SAMPLE_SVG", "SUPPRESSED_ESTIMATE", "sample_content"]

#: A value label that must come out as text, never as markup.
HOSTILE_LABEL = "<script>alert(1)</script>"
#: The estimate of the suppressed row (n_level 6 < 10): 8%, CI 3-15%; must never be shown.
SUPPRESSED_ESTIMATE = 0.0812

#: A tiny chart as our figure code would make it (XML prolog and metadata are dropped).
SAMPLE_SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="320pt" height="160pt" viewBox="0 0 320 160">
 <metadata><dc:date>2024-01-01T00:00:00</dc:date></metadata>
 <rect x="0" y="0" width="320" height="160" fill="#ffffff"/>
 <rect x="20" y="30" width="150" height="40" fill="#1f4e79"/>
 <rect x="20" y="90" width="171" height="40" fill="#c98a00"/>
 <text x="180" y="55" font-family="DejaVu Sans" font-size="14">47%</text>
 <text x="200" y="115" font-family="DejaVu Sans" font-size="14">53%</text>
</svg>
"""


def sample_content(
    synthetic: bool = True, lang: str = "nl", min_cell_count: int = 10
) -> ReportContent:
    """Build the sample report content.

    Parameters
    ----------
    synthetic
        Mark the report as made from synthetic data.
    lang
        ``"nl"`` or ``"en"``.
    min_cell_count
        The suppression threshold.

    Returns
    -------
    ReportContent
        Two body sections (three tables, one figure) and one appendix.
    """
    text = load_text(lang, CONFIG / "texts.yaml")
    cols = text["columns"]
    obstacles = pd.DataFrame(
        {
            "measure": [
                "Werk niet geschikt",
                "Geen sollicitanten",
                HOSTILE_LABEL,
                "Productiviteitsrisico",
                "Begeleidingskosten",
            ],
            "group": [
                "Met ervaring",
                "Met ervaring",
                "Zonder ervaring",
                "Zonder ervaring",
                "Met ervaring",
            ],
            "estimate": [0.4651, SUPPRESSED_ESTIMATE, 0.3333, 0.2514, 0.5912],
            "se": [0.0482, 0.0311, 0.0702, 0.0968, 0.0473],
            "ci_low": [0.3712, 0.0312, 0.2104, 0.1038, 0.4966],
            "ci_high": [0.5613, 0.1490, 0.4717, 0.4607, 0.6791],
            "n": [107, 74, 45, 48, 107],
            "n_level": [50, 6, 15, 12, 63],
            "flag": ["", "", "review: CI width over 30 points", "suppress: relative CI width", ""],
        }
    )
    percent_columns = [
        ColumnSpec("measure", cols["measure"], "text"),
        ColumnSpec("group", cols["group"], "text"),
        ColumnSpec("estimate", cols["estimate"], "percent"),
        ColumnSpec("ci", cols["ci"], "ci"),
        ColumnSpec("n", cols["n"], "count"),
    ]
    obstacles["cells"] = [
        (Use(Cell.of("beso2011", m, "Genoemd", {"experience_group": g}), k, n),)
        for m, g, k, n in zip(
            obstacles["measure"],
            obstacles["group"],
            obstacles["n_level"],
            obstacles["n"],
            strict=True,
        )
    ]
    means = pd.DataFrame(
        {
            "group": ["Met ervaring", "Zonder ervaring"],
            "estimate": [31.46, 12.5],
            "se": [2.1, 3.2],
            "ci_low": [27.3, 6.2],
            "ci_high": [35.6, 18.8],
            "n": [1234, 8],
        }
    )
    means["cells"] = [
        (Use(Cell.of("beso2011", "low_educated_pct", None, {"experience_group": g}, SUM), n, n),)
        for g, n in zip(means["group"], means["n"], strict=True)
    ]
    tests = pd.DataFrame(
        {
            "measure": ["Werk niet geschikt", "Geen sollicitanten"],
            "statistic": [13.42, 4.61],
            "df": [1.0, 1.0],
            "pvalue": [0.0004, 0.0321],
        }
    )
    reproduction = pd.DataFrame(
        {
            "id": ["beso.experience.with", "beso.nonprofit.direction"],
            "measure": ["Met ervaring", "Non-profit vaker ervaring"],
            "published": [0.47, float("nan")],
            "reproduced": [0.4651, float("nan")],
            "verdict": ["within CI", "supported"],
        }
    )
    published = disclose(
        {"o": obstacles, "m": means, "t": tests, "r": reproduction},
        DisclosurePolicy(min_cell_count=max(min_cell_count, 1)),
    ).tables
    obstacles, means, tests, reproduction = (published[k] for k in "omtr")
    methods = [
        p.format(
            waves="wea2008, wea2010 en beso2011"
            if lang == "nl"
            else "wea2008, wea2010 and beso2011",
            n_waves=3,
            beso_n=228,
            wave_word=text["wave_word"][1],
            confidence_level="95%",
            weighting_method="rake",
            strata="Sector × Grootteklasse" if lang == "nl" else "Sector × Size class",
            min_cell_count=min_cell_count,
        )
        for p in text["methods"]
    ]
    if synthetic:
        methods.append(text["synthetic_methods"])
    return ReportContent(
        title=text["report"]["title"],
        lang=lang,
        synthetic=synthetic,
        sections=[
            ReportSection("data_methods", text["sections"]["data_methods"], methods),
            ReportSection(
                "beso_obstacles",
                text["sections"]["beso_obstacles"],
                ["Organisaties met ervaring noemen vaker dat het werk niet geschikt is."],
                tables=[
                    ReportTable(
                        "beso_obstacles",
                        text["tables"]["beso_obstacles"],
                        obstacles,
                        percent_columns,
                        notes=["Bron: BESO-enquête 2011."],
                    ),
                    ReportTable(
                        "beso_low_educated",
                        text["tables"]["beso_low_educated"],
                        means,
                        [
                            ColumnSpec("group", cols["group"], "text"),
                            ColumnSpec("estimate", cols["mean"], "number1"),
                            ColumnSpec("ci", cols["ci"], "ci_number"),
                        ],
                    ),
                    ReportTable(
                        "beso_obstacles_tests",
                        text["tables"]["beso_obstacles_tests"],
                        tests,
                        [
                            ColumnSpec("measure", cols["measure"], "text"),
                            ColumnSpec("statistic", cols["statistic"], "number"),
                            ColumnSpec("pvalue", cols["pvalue"], "pvalue"),
                        ],
                    ),
                ],
                figures=[
                    ReportFigure(
                        "fig_beso_experience",
                        text["figures"]["beso_experience"],
                        SAMPLE_SVG,
                        'Staafdiagram: 47% "met" en 53% <zonder> ervaring',
                    )
                ],
            ),
        ],
        appendices=[
            ReportSection(
                "reproduction",
                text["sections"]["reproduction"],
                tables=[
                    ReportTable(
                        "reproduction",
                        text["tables"]["reproduction"],
                        reproduction,
                        [
                            ColumnSpec("measure", cols["measure"], "text"),
                            ColumnSpec("published", cols["published"], "percent"),
                            ColumnSpec("reproduced", cols["reproduced"], "percent1"),
                            ColumnSpec("verdict", cols["verdict"], "verdict"),
                        ],
                    )
                ],
            )
        ],
        provenance={
            "inputs": {"beso2011": {"sha256": "ab" * 32, "rows": 228}},
            "package": {"survey": "0.1.0"},
            "settings": {"min_cell_count": min_cell_count, "language": lang},
            "data_source": "synthetic" if synthetic else "real",
        },
        min_cell_count=min_cell_count,
    )
