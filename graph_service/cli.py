"""``graph-service``: serve the API, issue tokens, load demo data, and (from the loaders and
benchmark modules) generate, load, export and benchmark."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from graph_service.auth import Role, issue_token
from graph_service.readmodel import graph_of_store
from graph_service.settings import Settings, get_settings
from graph_service.store_factory import open_store
from graph_service.stores.audit import AuditAction

app = typer.Typer(
    help="Peer-network graph service: families, cohorts, help and the ripple, as a graph.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Load the demo network first if the store has no families.")
    ] = False,
) -> None:
    """Serve the GraphQL API at http://HOST:PORT/graphql (store chosen from settings)."""
    import uvicorn

    from graph_service.app import create_app
    from graph_service.demo import load_demo

    settings = get_settings()
    if demo:
        with open_store(settings) as store:
            load_demo(store)
            console.print(
                f"[green]store ready[/]: {store.name}, {store.counts()['Family']} families"
            )
    console.print(
        f"web app at [bold]http://{host}:{port}/app/[/] (sign in with a code from "
        f"'graph-service signin-code'), GraphQL at /graphql, health at /health"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def token(
    role: Annotated[Role, typer.Argument(help="family, organizer, researcher, admin or staff.")],
    subject: Annotated[str, typer.Argument(help="A family id, or the person's name.")],
    region: Annotated[
        list[str] | None,
        typer.Option("--region", "-r", help="Organizer or staff regions (repeat)."),
    ] = None,
    hours: Annotated[int | None, typer.Option(help="Lifetime; default from settings.")] = None,
) -> None:
    """Issue a signed bearer token (signed with GS_SECRET_KEY)."""
    settings = get_settings()
    ttl = timedelta(hours=hours) if hours else None
    issued = issue_token(settings, role, subject, tuple(region or ()), ttl)
    lifetime = f"{hours or settings.token_ttl_hours} h"
    _audit(
        settings,
        AuditAction.TOKEN_ISSUED,
        f"{role.value}:{subject}",
        f"regions: {', '.join(region or ()) or '-'}; lifetime {lifetime}",
    )
    print(issued)


def _audit(settings: Settings, action: AuditAction, target: str, detail: str) -> None:
    """Record a CLI action in the configured store's audit log (the embedded store's file is
    written directly, without loading the graph)."""
    import getpass

    from graph_service.stores.audit import AuditEntry, SqliteAuditLog, audit_log_of

    entry = AuditEntry.new(f"cli:{getpass.getuser()}", action, target, detail)
    if not settings.uses_neo4j:
        settings.embedded_path.parent.mkdir(parents=True, exist_ok=True)
        log = SqliteAuditLog(settings.embedded_path)
        log.append([entry])
        log.close()
        return
    with open_store(settings) as store:
        audit_log_of(store).append([entry])


@app.command("erase-family")
def erase_family(
    family_id: Annotated[str, typer.Argument(help="The family to erase.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a family (the right to be forgotten): its node, private data and every edge,
    recorded in the audit log by id only."""
    from graph_service.auth import Principal
    from graph_service.errors import DomainError
    from graph_service.services.audit import erase_family as erase

    if not yes and not typer.confirm(f"Erase family {family_id!r} and all its data?"):
        raise typer.Exit(1)
    import getpass

    with open_store(get_settings()) as store:
        try:
            erase(store, Principal(Role.ADMIN, f"cli-{getpass.getuser()}"), family_id)
        except DomainError as error:
            console.print(f"[red]{error.message}[/]")
            raise typer.Exit(1) from None
    console.print(f"erased {family_id}")


@app.command("signin-code")
def signin_code(
    role: Annotated[Role, typer.Argument(help="family, organizer, researcher, admin or staff.")],
    subject: Annotated[str, typer.Argument(help="A family id, or the person's name.")],
    region: Annotated[
        list[str] | None,
        typer.Option("--region", "-r", help="Organizer or staff regions (repeat)."),
    ] = None,
) -> None:
    """Issue a one-time web sign-in code (as an admin; expires after GS_SIGNIN_CODE_TTL_MINUTES)."""
    from graph_service.auth import Principal
    from graph_service.errors import DomainError
    from graph_service.services.signin import issue_code

    settings = get_settings()
    with open_store(settings) as store:
        try:
            issued = issue_code(
                store, settings, Principal(Role.ADMIN, "cli"), role, subject, tuple(region or ())
            )
        except DomainError as error:
            console.print(f"[red]{error.code}[/]: {error.message}")
            raise typer.Exit(1) from None
    console.print(
        f"sign-in code for {role.value} {subject}, valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    print(issued.code)


@app.command()
def secret() -> None:
    """Print a fresh random signing secret for GS_SECRET_KEY."""
    print(secrets.token_urlsafe(48))


@app.command()
def demo() -> None:
    """Load the small hand-made demo network into the configured store (idempotent)."""
    from graph_service.demo import demo_network, load_network

    with open_store() as store:
        load_network(store, demo_network())
        console.print(store.counts())


@app.command("export-schema")
def export_schema(
    out: Annotated[str, typer.Option(help="Where to write the SDL.")] = "schema.graphql",
) -> None:
    """Write the GraphQL schema (SDL) to a file; CI checks the committed one is current."""
    from graph_service.api.schema import schema_sdl

    with open(out, "w", encoding="utf-8") as handle:
        handle.write(schema_sdl())
    console.print(f"wrote {out}")


@app.command("research-export")
def research_export(
    report: Annotated[str, typer.Argument(help="network, outcomes, ripple or regions.")],
    out: Annotated[Path, typer.Option(help="Folder for the tables.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    region: Annotated[str | None, typer.Option(help="One region (default: all).")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="YYYY-MM-DD (widened to a quarter).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="YYYY-MM-DD (widened to a quarter).")
    ] = None,
    by: Annotated[
        str, typer.Option(help="outcomes: help_tie_tercile, bridging or cohort_size.")
    ] = "help_tie_tercile",
    stratify: Annotated[
        str, typer.Option(help="outcomes: none, tenure, region or income_band.")
    ] = "none",
) -> None:
    """Write a de-identified research report as CSV or Parquet tables, released like the API
    (consenting families only, differential privacy charged to the admin ``cli``, small
    noisy cells suppressed)."""
    from datetime import date

    from graph_service.auth import Principal
    from graph_service.services import research

    if report not in research.REPORTS:
        raise typer.BadParameter(f"report must be one of {', '.join(research.REPORTS)}")
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("format must be csv or parquet")
    settings = get_settings()
    admin = Principal(Role.ADMIN, "cli")
    with open_store(settings) as store:
        paths = research.export(
            store,
            settings,
            admin,
            report,
            out,
            fmt,  # type: ignore[arg-type]  # checked above
            region=region,
            start=date.fromisoformat(start) if start else None,
            end=date.fromisoformat(end) if end else None,
            by=by,  # type: ignore[arg-type]  # validated by the service (field "by")
            stratify=stratify,  # type: ignore[arg-type]  # validated by the service
        )
    _audit(settings, AuditAction.EXPORT, f"research:{report}", f"{len(paths)} tables to {out}")
    for path in paths:
        console.print(f"wrote {path}")


@app.command("research-report")
def research_report(
    out: Annotated[Path, typer.Option(help="Folder for report.html (and report.pdf).")],
    region: Annotated[str | None, typer.Option(help="One region (default: all).")] = None,
    researcher: Annotated[
        str, typer.Option(help="Whose privacy budget the report's releases are charged to.")
    ] = "policy-report",
    pdf: Annotated[bool, typer.Option(help="Also print a PDF with headless Chromium.")] = True,
    cliff: Annotated[
        bool, typer.Option(help="Include benefit-cliff exposure (runs PolicyEngine-US).")
    ] = False,
    cliff_reform: Annotated[
        str | None,
        typer.Option(help="A reform in PolicyEngine's format (JSON) to compare (with --cliff)."),
    ] = None,
) -> None:
    """Write a self-contained HTML report for policymakers (growth, help by kind, outcomes
    by network position, bonding vs bridging, the disclosure statement), built only from
    what a researcher may see; three releases charged to ``--researcher``'s budget."""
    import time

    from graph_service import chromium
    from graph_service.auth import Principal
    from graph_service.research_report import render
    from graph_service.services import research

    settings = get_settings()
    began = time.monotonic()
    with open_store(settings) as store:
        who = Principal(Role.RESEARCHER, researcher)
        inputs = research.report_inputs(store, settings, who, region)
        if cliff:
            from dataclasses import replace

            from graph_service.services import cliff_reports

            inputs = replace(
                inputs,
                **cliff_reports.report_parts(store, settings, who, region, cliff_reform),
            )
    where = region or "the whole program"
    page = render(inputs, settings, title=f"The families' support network: {where}")
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "report.html"
    html_path.write_text(page, encoding="utf-8")
    console.print(f"wrote {html_path} in {time.monotonic() - began:.1f} s")
    if pdf and chromium.chromium() is not None:
        console.print(f"wrote {chromium.print_pdf(html_path, out / 'report.pdf')}")
    elif pdf:
        console.print("no chromium on PATH: PDF skipped (apt-get install chromium)")


@app.command()
def picture(
    kind: Annotated[str, typer.Argument(help="ripple, growth or regions.")],
    out: Annotated[Path, typer.Option(help="File to write (.png or .svg).")],
    root: Annotated[
        str | None, typer.Option(help="ripple: the family whose cascade to draw.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="growth: a region (default: all).")] = None,
    color_by: Annotated[str, typer.Option(help="ripple: generation or region.")] = "generation",
    locale: Annotated[str, typer.Option(help="Language of the picture's texts (en, es).")] = "en",
) -> None:
    """Draw a cascade tree, a growth curve or the region graph from the configured store."""
    from datetime import date

    from graph_service.analytics.region_graph import region_graph
    from graph_service.analytics.ripple import ripple_summary
    from graph_service.i18n import negotiate, translate
    from graph_service.pictures import region_plot, ripple_plot

    fmt: Literal["png", "svg"] = "svg" if out.suffix.lower() == ".svg" else "png"
    locale = negotiate(chosen=locale)
    with open_store() as store:
        graph = graph_of_store(store)
    if kind == "ripple":
        if root is None:
            raise typer.BadParameter("give --root FAMILY_ID")
        image = ripple_plot.cascade_tree_png(
            graph,
            root,
            color_by=color_by,  # type: ignore[arg-type]  # validated by the plot (field colorBy)
            format=fmt,
            locale=locale,
        )
    elif kind == "growth":
        summary = ripple_summary(graph, region=region, as_of=date.today())
        place = region or translate(locale, "picture.growth.all_regions")
        title = translate(locale, "picture.growth.title_region", region=place)
        image = ripple_plot.growth_curve_png(summary, title=title, format=fmt, locale=locale)
    elif kind == "regions":
        render = region_plot.region_graph_png if fmt == "png" else region_plot.region_graph_svg
        image = render(region_graph(graph), graph.graph["regions"], locale)
    else:
        raise typer.BadParameter("kind must be ripple, growth or regions")
    out.write_bytes(image)
    console.print(f"wrote {out}")


def _register_optional_commands() -> None:
    """Commands contributed by the loaders and the benchmark package."""
    try:
        from loaders.commands import register as register_loaders
    except ImportError:  # pragma: no cover - during development of the loaders
        return
    register_loaders(app, open_store)
    from graph_service.bench.cli import register_bench

    register_bench(app)


_register_optional_commands()


if __name__ == "__main__":  # pragma: no cover
    app()
