"""The words organizers read about cohort proposals, from the message catalogues (en, es).

The analytics return neutral data (goal and skill codes, language codes, counts); this module
renders it in a language with the catalogues of :mod:`graph_service.i18n` (messages
``proposal.*``) and the vocabulary's labels, so another language is a ``messages.po`` file.
"""

from __future__ import annotations

from graph_service.analytics.cohort_formation import CohortRationale, LeftOverReason
from graph_service.i18n import DEFAULT_LOCALE, and_list, label, language_name, translate


def cohort_summary(size: int, rationale: CohortRationale, locale: str = DEFAULT_LOCALE) -> str:
    """One sentence on why these families belong together.

    >>> r = CohortRationale((("emergency_savings", 6),), 2, (("driving", 3),), ("en",))
    >>> cohort_summary(6, r)
    '6 families; shared goals: emergency savings (6); keeps 2 existing ties together; needs met inside: driving (3); common language: English.'
    >>> cohort_summary(6, r, "es")
    '6 familias; metas en común: ahorros para emergencias (6); mantiene unidos 2 lazos existentes; necesidades cubiertas dentro: manejar (3); idioma en común: inglés.'
    """
    parts = [translate(locale, "proposal.summary.size", count=size)]
    if rationale.shared_goals:
        goals = ", ".join(
            f"{label('goal', g, locale).lower()} ({c})" for g, c in rationale.shared_goals[:3]
        )
        parts.append(translate(locale, "proposal.summary.shared_goals", goals=goals))
    if rationale.ties_kept:
        parts.append(translate(locale, "proposal.summary.ties", count=rationale.ties_kept))
    if rationale.needs_met:
        needs = ", ".join(
            f"{label('skill', s, locale).lower()} ({c})" for s, c in rationale.needs_met[:3]
        )
        parts.append(translate(locale, "proposal.summary.needs_met", needs=needs))
    languages = rationale.common_languages
    if languages:
        names = and_list([language_name(code, locale) for code in languages], locale)
        parts.append(
            translate(locale, "proposal.summary.languages", count=len(languages), languages=names)
        )
    return "; ".join(parts) + "."


def left_over_explanation(
    reason: LeftOverReason, pool: int, min_size: int, max_size: int, locale: str = DEFAULT_LOCALE
) -> str:
    """Why a family of a pool of ``pool`` families is in no proposed cohort.

    >>> left_over_explanation(LeftOverReason.UNEVEN_POOL, 11, 6, 8)
    '11 families cannot all be placed in cohorts of 6 to 8; the families who fit the others least wait for the next proposal.'
    >>> left_over_explanation(LeftOverReason.NO_SHARED_LANGUAGE, 11, 6, 8, "es")
    'Esta familia no comparte ningún idioma con otra familia del grupo.'
    """
    if reason is LeftOverReason.NO_SHARED_LANGUAGE:
        return translate(locale, "proposal.left_over.no_shared_language")
    return translate(
        locale, "proposal.left_over.uneven_pool", pool=pool, low=min_size, high=max_size
    )
