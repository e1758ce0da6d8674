"""Server-rendered pages: one Jinja2 environment per language, with gettext installed.

Templates live in ``graph_service/web/templates``; every text goes through ``_()`` /
``ngettext()`` so that it is in the message catalogues. Vocabulary labels (goals, skills,
help kinds) are translated too: the Spanish catalogue holds the built-in ones.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from graph_service.auth import Role
from graph_service.web import i18n
from graph_service.web.session import Caller, caller, csrf_for, set_cookies
from models import vocabulary


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("graph_service.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = i18n.translations(lang)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    formats = i18n.Formats(lang)
    env.filters["date"] = formats.date
    env.filters["money"] = formats.money
    env.filters["number"] = formats.number
    vocab = vocabulary()

    def label(term: str, kind: str = "skills") -> str:
        table: dict[str, str] = getattr(vocab, kind)
        return translations.gettext(table.get(term, term))

    env.filters["skill"] = lambda term: label(term, "skills")
    env.filters["help_kind"] = lambda term: label(term, "help_kinds")
    env.filters["goal"] = lambda term: label(term, "goal_categories")
    env.filters["goal_label"] = lambda text: translations.gettext(text)
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    return env


def page_language(request: Request, who: Caller, family_languages: tuple[str, ...] = ()) -> str:
    return i18n.choose(
        request.cookies.get(i18n.COOKIE),
        family_languages,
        request.headers.get("accept-language"),
    )


async def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    family_languages: tuple[str, ...] = (),
    **values: Any,
) -> HTMLResponse:
    """Render ``template`` for the caller, in the page language."""
    who = await caller(request)
    lang = page_language(request, who, family_languages)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    role = who.principal.role.value if who.principal else None
    html = (
        environment(lang)
        .get_template(template)
        .render(
            lang=lang,
            here=here,
            here_quoted=quote(here, safe=""),
            csrf=csrf_for(request, who),
            principal=who.principal,
            role=role,
            can_issue_codes=role in (Role.ADMIN.value, Role.ORGANIZER.value),
            **values,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    set_cookies(request, response, who)
    if request.headers.get("hx-request"):
        # Boosted navigation: the address bar shows the page, not the form that led to it.
        response.headers["HX-Push-Url"] = here if request.method == "GET" else "false"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    return response
