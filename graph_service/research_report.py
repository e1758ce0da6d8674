"""The policymakers' report: one self-contained HTML page built from researcher releases.

Presentation only (the CLI's ``research-report`` command calls it): every number comes from
a :class:`~graph_service.services.privacy_budget.Release`, i.e. exactly what a researcher may
see (noisy counts and sums, small cells suppressed, structural measures gated). Charts are
drawn with matplotlib's object API and inlined as SVG data URIs; the page has no script and
no external asset. Uncertainty of a share ``p = u / n`` (both noisy counts) combines sampling
and noise: ``var = p(1-p)/n + (2b²(1 - 2p) + 6b²p²) / n²`` (``b`` the Laplace scale of each
count, ``n`` the sum of three noisy cells), by the delta method; bars show ``± 1.96 sd``.
"""

from __future__ import annotations

import base64
import html
import io
import math

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from graph_service.analytics.disclosure import Cell, Table
from graph_service.analytics.privacy import COUNT, interval95
from graph_service.services.privacy_budget import Release
from graph_service.services.research import ReportInputs
from graph_service.settings import Settings

COLORS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5")


def _table(release: Release, name: str) -> Table:
    return next(t for t in release.tables if t.name == name)


def _rows(table: Table) -> list[tuple[str, Cell]]:
    return [(k, row[0]) for k, row in zip(table.row_keys, table.cells, strict=True)]


def _svg(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # no date or creator link in the file, stable element ids: the same release draws the
    # same bytes, and the page holds no external address even inside its images
    with rc_context({"svg.hashsalt": "research-report"}):
        figure.savefig(
            buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
        )
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{data}"


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100)
    return figure


def growth_chart(network: Release) -> str:
    """Families in the program by quarter (cumulative sum of the noisy joins per quarter)."""
    table = _table(network, "families_by_quarter")
    labels = list(table.row_keys)
    joined = [c.count or 0 for _, c in _rows(table)]
    cumulative = [sum(joined[: i + 1]) for i in range(len(joined))]
    figure = _figure()
    axes = figure.add_subplot()
    xs = range(len(labels))
    axes.fill_between(xs, cumulative, color=COLORS[0], alpha=0.3, label="families (cumulative)")
    axes.bar(xs, joined, color=COLORS[0], label="joined in the quarter")
    axes.set_xticks(list(xs))
    axes.set_xticklabels(labels, rotation=30, ha="right")
    axes.set_ylabel("families")
    axes.set_title("Growth of the network")
    axes.legend(loc="upper left")
    return _svg(figure)


def help_growth_chart(network: Release) -> str:
    """Help exchanges and dollars per quarter (noisy), with the 95% noise interval."""
    table = _table(network, "help_by_quarter")
    quarters = list(table.row_keys)
    counts = [c.count for _, c in _rows(table)]
    dollars = [c.value("dollars") for _, c in _rows(table)]
    figure = _figure()
    axes = figure.add_subplot()
    xs = range(len(quarters))
    shown = [(x, n) for x, n in zip(xs, counts, strict=True) if n is not None]
    half = interval95(table.noise.get(COUNT, 0.0))
    axes.bar([x for x, _ in shown], [n for _, n in shown], color=COLORS[0], label="exchanges")
    axes.errorbar(
        [x for x, _ in shown], [n for _, n in shown], yerr=half, fmt="none", ecolor="#333"
    )
    axes.set_ylabel("help exchanges")
    twin = axes.twinx()
    twin.plot(
        [x for x, d in zip(xs, dollars, strict=True) if d is not None],
        [d for d in dollars if d is not None],
        color=COLORS[1],
        marker="o",
        label="dollars",
    )
    twin.set_ylabel("dollar value of help")
    axes.set_xticks(list(xs))
    axes.set_xticklabels(quarters, rotation=30, ha="right")
    axes.set_title("Growth of help (error bars: 95% noise interval)")
    return _svg(figure)


def help_by_kind_chart(network: Release) -> str:
    """Hours and dollars of help by kind (noisy sums)."""
    table = _table(network, "help_by_kind")
    rows = [(k, c) for k, c in _rows(table) if not c.suppressed]
    figure = _figure(7.0, 3.6)
    hours_axes, dollars_axes = figure.subplots(1, 2, sharey=True)
    labels = [k.replace("_", " ") for k, _ in rows]
    hours_axes.barh(labels, [c.value("hours") or 0 for _, c in rows], color=COLORS[0])
    hours_axes.set_title("hours")
    dollars_axes.barh(labels, [c.value("dollars") or 0 for _, c in rows], color=COLORS[2])
    dollars_axes.set_title("dollars")
    figure.suptitle("Help by kind")
    return _svg(figure)


def share_interval(up: int, n: int, scale: float) -> tuple[float, float] | None:
    """The share ``up / n`` and its 95% half-width (sampling and noise; module doc).

    >>> share, half = share_interval(50, 100, 0.0)
    >>> share, round(half, 3)
    (0.5, 0.098)
    """
    if n <= 0:
        return None
    p = min(max(up / n, 0.0), 1.0)
    variance = p * (1 - p) / n + (2 * scale**2 * (1 - 2 * p) + 6 * scale**2 * p**2) / n**2
    return p, 1.96 * math.sqrt(max(variance, 0.0))


OutcomeRow = tuple[str, tuple[float, float] | None, int | None]


def outcome_rows(release: Release) -> list[OutcomeRow]:
    """Per group: share whose income band rose (with its half-width) and group size."""
    table = next(t for t in release.tables if t.name.startswith("income_movement_by_"))
    scale = table.noise.get(COUNT, 0.0)
    found: list[OutcomeRow] = []
    for key, row in zip(table.row_keys, table.cells, strict=True):
        counts = [c.count for c in row]
        if any(c is None for c in counts):
            found.append((key, None, None))
            continue
        n = sum(c or 0 for c in counts)
        found.append((key, share_interval(counts[0] or 0, n, scale), n))
    return found


def outcomes_chart(terciles: Release, bridging: Release) -> str:
    figure = _figure(7.0, 3.2)
    left, right = figure.subplots(1, 2, sharey=True)
    for axes, release, title in (
        (left, terciles, "help-tie tercile"),
        (right, bridging, "bridging ties"),
    ):
        rows = [(k, s) for k, s, _ in outcome_rows(release) if s is not None]
        xs = range(len(rows))
        axes.bar(xs, [s[0] for _, s in rows], color=COLORS[: len(rows)])
        axes.errorbar(
            xs, [s[0] for _, s in rows], yerr=[s[1] for _, s in rows], fmt="none", ecolor="#333"
        )
        axes.set_xticks(list(xs))
        axes.set_xticklabels([k.replace("_", " ") for k, _ in rows])
        axes.set_title(title)
    left.set_ylabel("share whose income band rose")
    figure.suptitle("Outcomes by network position (95% intervals; descriptive, not causal)")
    return _svg(figure)


def ties_chart(network: Release) -> str:
    table = _table(network, "boundary_ties")
    figure = _figure(7.0, 2.6)
    axes = figure.add_subplot()
    labels = [f"{k}s" for k in table.row_keys]
    bonding = [row[0].count or 0 for row in table.cells]
    bridging = [row[1].count or 0 for row in table.cells]
    axes.barh(labels, bonding, color=COLORS[0], label="bonding (inside)")
    axes.barh(labels, bridging, left=bonding, color=COLORS[1], label="bridging (across)")
    axes.set_xlabel("exchange ties (help or referral)")
    axes.set_title("Bonding versus bridging ties")
    axes.legend(loc="lower right")
    return _svg(figure)


def _esc(value: object) -> str:
    return html.escape(str(value))


def _fmt(value: float | None, digits: int = 3) -> str:
    return "suppressed" if value is None else f"{value:,.{digits}f}"


def _measures_html(network: Release) -> str:
    table = _table(network, "network_measures")
    rows = "".join(
        f"<tr><td>{_esc(k.replace('_', ' '))}</td>"
        f"<td>{_fmt(c.value('value'), 0 if k == 'communities' else 3)}</td></tr>"
        for k, c in _rows(table)
    )
    return f"<table><tr><th>measure</th><th>value</th></tr>{rows}</table>"


def _outcomes_html(release: Release, title: str) -> str:
    rows = "".join(
        f"<tr><td>{_esc(k)}</td><td>{'suppressed' if n is None else f'{n:,}'}</td>"
        f"<td>{'suppressed' if s is None else f'{s[0]:.1%} ± {s[1]:.1%}'}</td></tr>"
        for k, s, n in outcome_rows(release)
    )
    return (
        f"<table><tr><th>{_esc(title)}</th><th>families with a baseline</th>"
        f"<th>income band rose</th></tr>{rows}</table>"
    )


def disclosure_statement(inputs: ReportInputs, settings: Settings) -> str:
    network = inputs.network
    releases = (inputs.network, inputs.terciles, inputs.bridging)
    spent = sum(r.epsilon for r in releases)
    scales = "".join(
        f"<li>{_esc(t.name.replace('_', ' '))}: Laplace scale "
        + ", ".join(f"{q} {b:,.1f} (95% within ± {interval95(b):,.0f})" for q, b in t.noise.items())
        + "</li>"
        for t in network.tables
        if t.noise
    )
    return f"""
<p>This report is released with <b>differential privacy</b>, families as the unit of privacy.
Every count and sum carries random noise calibrated so that the report changes little whether
or not any one family's data is included: each of its {len(releases)} releases has privacy
loss ε = {network.epsilon:g} (ε = {spent:g} for the report), charged to the requester's
budget of ε = {network.budget:g} per calendar quarter. To bound one family's influence, at
most {settings.privacy_max_exchanges} help or referral records, {settings.cohort_full_size - 1}
cohort ties and {settings.privacy_max_goals} goals count per family, and each exchange counts
at most {settings.privacy_max_hours:g} hours and ${settings.privacy_max_dollars:g}. Noisy
counts from 1 to {settings.small_cell_threshold} are suppressed. Structural measures
(clustering, modularity, communities, reciprocity, economic connectedness) are exact and
shown only for groups of more than {settings.small_cell_threshold} families; they are not
covered by ε. Only families who consented to research are counted; no names, ids or
individual ties are in this report. Noise scales of the network tables:</p><ul>{scales}</ul>
"""


def _release_tables_html(release: Release) -> str:
    """Every table of a release as HTML: noisy counts, suppressed cells shown as such."""
    parts = []
    for table in release.tables:
        head = "".join(f"<th>{_esc(k.replace('_', ' '))}</th>" for k in table.column_keys)
        rows = "".join(
            f"<tr><td>{_esc(k.replace('_', ' '))}</td>"
            + "".join(
                "<td>suppressed</td>"
                if c.suppressed
                else f"<td>{c.count:,}"
                + "".join(
                    f" (${v:,.0f})"
                    for n, v in c.derived.items()
                    if n == "dollars" and v is not None
                )
                + "</td>"
                for c in row
            )
            + "</tr>"
            for k, row in zip(table.row_keys, table.cells, strict=True)
        )
        scale = ", ".join(f"{q} ±{interval95(b):,.0f}" for q, b in table.noise.items())
        parts.append(
            f"<h3>{_esc(table.name.replace('_', ' ').replace('@', ', raise of $'))}</h3>"
            f"<table><tr><th>{_esc(table.row_header.replace('_', ' '))}</th>{head}</tr>{rows}"
            f'</table><p class="meta">95% noise: {_esc(scale)}</p>'
        )
    return "".join(parts)


def cliff_section(inputs: ReportInputs) -> str:
    """The benefit-cliff section: exposure, and the reform's effect when one was given."""
    if inputs.cliff is None:
        return "<p>Not computed in this report (the tax-benefit model was not run).</p>"
    intro = (
        "<p>How much of a raise families would keep after taxes and benefits "
        "(PolicyEngine-US), counted over families who consented to research: <i>less than "
        "nothing</i> means net income falls, <i>less than half</i> that taxes and lost "
        "benefits take more than half of it. Counts carry differential-privacy noise; "
        "small cells are suppressed.</p>"
    )
    out = intro + _release_tables_html(inputs.cliff)
    if inputs.cliff_reform is not None:
        reform, release, cost = inputs.cliff_reform
        out += (
            f"<h3>Reform simulated</h3><p><code>{_esc(reform)}</code>; change of net income "
            f"per family at today's earnings (its cost per family): "
            f"{'suppressed' if cost is None else f'${cost:,.0f}'}.</p>"
            + _release_tables_html(release)
        )
    return out


STYLE = """
body { font-family: Georgia, 'DejaVu Serif', serif; max-width: 60rem; margin: 2rem auto;
       color: #1a202c; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; color: #2c5282; }
.meta { color: #4a5568; font-size: .95rem; } img { max-width: 100%; }
table { border-collapse: collapse; margin: .5rem 0; }
td, th { border-bottom: 1px solid #cbd5e0; padding: .25rem .8rem; text-align: left; }
.figures { display: flex; gap: 2rem; flex-wrap: wrap; font-size: 1.1rem; }
.figures div b { display: block; font-size: 1.6rem; color: #2b6cb0; }
"""


def render(inputs: ReportInputs, settings: Settings, *, title: str) -> str:
    """The whole page (UTF-8 HTML, self-contained)."""
    network = inputs.network
    start, end = network.period
    families = _table(network, "network_figures").cell("families", "value").count
    kinds = _table(network, "help_by_kind")
    exchanges = kinds.total.count if kinds.total else None
    dollars = kinds.total.value("dollars") if kinds.total else None
    charts = [
        ("Growth of the network", growth_chart(network)),
        ("Growth of help", help_growth_chart(network)),
        ("Help by kind", help_by_kind_chart(network)),
        ("Outcomes by network position", outcomes_chart(inputs.terciles, inputs.bridging)),
        ("Bonding and bridging", ties_chart(network)),
    ]
    images = {name: f'<img alt="{_esc(name)}" src="{uri}">' for name, uri in charts}
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{_esc(title)}</h1>
<p class="meta">Period {_esc(start)} to {_esc(end)} · data version {network.data_version}
 · computed {_esc(network.computed_at.strftime("%Y-%m-%d %H:%M UTC"))}
 · families who consented to research only</p>
<div class="figures">
<div><b>{_fmt(families, 0)}</b>families</div>
<div><b>{_fmt(exchanges, 0)}</b>help exchanges</div>
<div><b>${_fmt(dollars, 0)}</b>value of help given</div></div>
<h2>Growth</h2>{images["Growth of the network"]}{images["Growth of help"]}
<h2>Help by kind</h2>{images["Help by kind"]}
<h2>Outcomes by network position</h2>{images["Outcomes by network position"]}
{_outcomes_html(inputs.terciles, "help-tie tercile")}
{_outcomes_html(inputs.bridging, "bridging")}
<h2>Bonding and bridging ties</h2>{images["Bonding and bridging"]}
<h2>Network structure</h2>{_measures_html(network)}
<h2>What a raise is worth: benefit cliffs</h2>{cliff_section(inputs)}
<h2>Disclosure statement</h2>{disclosure_statement(inputs, settings)}
</body></html>
"""
