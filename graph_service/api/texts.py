"""What families read, in their language: match reasons and explanations as sentences.

Presentation belongs to the transport: the analytics return typed facts (goal ids, skill
terms, language codes, counts) and this module turns them into sentences from the message
catalogues (:mod:`graph_service.i18n`), with vocabulary labels, never raw terms or codes.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.analytics import matching as analytics
from graph_service.analytics.match_shortfall import Shortfall
from graph_service.i18n import VocabularyKind, and_list, label, language_name, month, translate


def quoted(text: str, locale: str) -> str:
    return translate(locale, "format.quoted", text=text)


def labels(kind: VocabularyKind, terms: Sequence[str], locale: str, *, quote: bool = False) -> str:
    """The labels of ``terms`` as one list (``“Buy a home” and “Health”``)."""
    words = [label(kind, t, locale) for t in terms]
    if quote:
        words = [quoted(w, locale) for w in words]
    else:
        words = [w[:1].lower() + w[1:] if locale == "en" else w.lower() for w in words]
    return and_list(words, locale)


def languages(codes: Sequence[str], locale: str) -> str:
    return and_list([language_name(c, locale) for c in codes], locale)


def reason_text(reason: analytics.MatchReason, locale: str) -> str:
    """One reason as a sentence (or two) in ``locale``."""
    if isinstance(reason, analytics.SharedGoals):
        goals = labels("goal", reason.goals, locale, quote=True)
        return translate(locale, "reason.shared_goals", count=len(reason.goals), goals=goals)
    if isinstance(reason, analytics.ComplementaryStrengths):
        parts = []
        if reason.their_strengths_meeting_my_needs:
            skills = labels("skill", reason.their_strengths_meeting_my_needs, locale)
            parts.append(translate(locale, "reason.their_strengths", skills=skills))
        if reason.my_strengths_meeting_their_needs:
            skills = labels("skill", reason.my_strengths_meeting_their_needs, locale)
            parts.append(translate(locale, "reason.my_strengths", skills=skills))
        return " ".join(parts)
    if isinstance(reason, analytics.RoleModel):
        return translate(
            locale,
            "reason.role_model",
            goal=quoted(label("goal", reason.goal, locale), locale),
            month=month(reason.achieved_at, locale),
        )
    if isinstance(reason, analytics.TrustProximity):
        details = []
        if reason.via_help:
            details.append(translate(locale, "reason.trust.via_help", count=reason.via_help))
        if reason.via_cohort:
            details.append(translate(locale, "reason.trust.via_cohort", count=reason.via_cohort))
        return translate(
            locale,
            "reason.trust",
            count=reason.common_neighbours,
            details=and_list(details, locale),
        )
    parts = []
    if reason.similar_household:
        parts.append(translate(locale, "reason.similar_household"))
    if reason.shared_languages:
        spoken = languages(reason.shared_languages, locale)
        parts.append(translate(locale, "reason.shared_languages", languages=spoken))
    return " ".join(parts)


def shortfall_text(reason: Shortfall, locale: str) -> str:
    """Why an answer is short, as a sentence in ``locale``."""
    goal = quoted(label("goal", reason.goal, locale), locale) if reason.goal else ""
    return translate(locale, f"explain.{reason.code.value}", count=reason.count, goal=goal)
