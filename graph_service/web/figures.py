"""The figures of a monthly report as form fields: what each means in plain words, and how a
posted form becomes the API's input (dollars to integer cents, yes / no / not said).

One table (:data:`FIELDS`) serves the family's journal form and the staff correction form
(figures only: staff have no text field, :data:`STAFF_FIELDS`). Form fields are named like the
API's input fields, so an error the API reports for a field is shown next to that field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from graph_service.web.gql import Problem
from graph_service.web.guard import N_


@dataclass(frozen=True)
class Figure:
    name: str  # the API's input field (camelCase)
    kind: str  # money | count | grade | yesno | text
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Group:
    title: str
    figures: tuple[Figure, ...]


GROUPS = (
    Group(
        N_("Money"),
        (
            Figure(
                "earnedIncomeCents",
                "money",
                N_("Money earned from work this month"),
                N_("Before taxes, from every job, in dollars."),
            ),
            Figure(
                "benefitsCents",
                "money",
                N_("Benefits received this month"),
                N_("For example food assistance or housing help, in dollars."),
            ),
            Figure(
                "savingsCents", "money", N_("Savings today"), N_("All your savings, in dollars.")
            ),
            Figure(
                "debtCents",
                "money",
                N_("Debt today"),
                N_("Everything you still owe (cards, loans), in dollars."),
            ),
        ),
    ),
    Group(
        N_("Home"),
        (
            Figure("householdSize", "count", N_("People in your household"), N_("You included.")),
            Figure("rentOnTime", "yesno", N_("Was the rent paid on time?")),
            Figure("utilitiesOnTime", "yesno", N_("Were the utility bills paid on time?")),
        ),
    ),
    Group(
        N_("Health"),
        (
            Figure("healthCovered", "count", N_("People in your household with health insurance")),
            Figure("healthVisits", "count", N_("Visits to a doctor or clinic this month")),
        ),
    ),
    Group(
        N_("Learning"),
        (
            Figure("courses", "count", N_("Courses or classes taken")),
            Figure("certificates", "count", N_("Certificates earned")),
            Figure(
                "childrenGradeAverage",
                "grade",
                N_("Children's grade average (0 to 4)"),
                N_("Leave it empty if it does not apply."),
            ),
        ),
    ),
    Group(
        N_("Work of your own and community"),
        (
            Figure("businessStarted", "yesno", N_("Do you run a business of your own?")),
            Figure(
                "businessRevenueCents",
                "money",
                N_("Business income this month"),
                N_("In dollars."),
            ),
            Figure(
                "communityRoles",
                "count",
                N_("Roles you hold in the community"),
                N_("For example on a board, a committee or a volunteer group."),
            ),
        ),
    ),
)
NOTE = Figure(
    "note",
    "text",
    N_("Anything you want to add"),
    N_("In your own words; only you and the program see it."),
)
STAFF_FIELDS = tuple(f for g in GROUPS for f in g.figures)
FIELDS = (*STAFF_FIELDS, NOTE)


def _value(figure: Figure, text: str) -> tuple[Any, str | None]:
    """The API value of one posted field (``None``: not given), or a problem's message."""
    text = text.strip()
    if figure.kind == "text":
        return (text or None), None
    if not text:
        return None, None
    if figure.kind == "yesno":
        return {"yes": True, "no": False}.get(text), None
    if figure.kind == "money":
        try:
            dollars = Decimal(text.replace(",", "").replace("$", "").strip())
        except InvalidOperation:
            return None, N_("Write an amount in dollars, like 1250 or 1250.50.")
        cents = dollars * 100
        if not cents.is_finite() or cents != cents.to_integral_value():
            return None, N_("Write an amount in dollars, like 1250 or 1250.50.")
        return int(cents), None
    if figure.kind == "grade":
        try:
            grade = float(text.replace(",", "."))
        except ValueError:
            return None, N_("Write a number, like 3.2.")
        return grade, None
    try:
        return int(text), None
    except ValueError:
        return None, N_("Write a whole number, like 2.")


def from_form(
    form: dict[str, str], fields: tuple[Figure, ...] = FIELDS
) -> tuple[dict[str, Any], list[Problem]]:
    """The API input of a posted figures form, and the fields that could not be read."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for figure in fields:
        value, message = _value(figure, form.get(figure.name, ""))
        if message is not None:
            problems.append(Problem("BAD_USER_INPUT", message, figure.name))
        elif value is not None:
            values[figure.name] = value
    return values, problems


def to_form(report: dict[str, Any] | None) -> dict[str, str]:
    """A report's figures as form texts (cents to dollars; yes/no), to fill a form with."""
    if not report:
        return {}
    shown: dict[str, str] = {}
    for figure in FIELDS:
        value = report.get(figure.name)
        if value is None:
            shown[figure.name] = ""
        elif figure.kind == "yesno":
            shown[figure.name] = "yes" if value else "no"
        elif figure.kind == "money":
            cents = int(value)
            shown[figure.name] = f"{cents // 100}" + (f".{cents % 100:02d}" if cents % 100 else "")
        else:
            shown[figure.name] = str(value)
    return shown


# The report's figures as a GraphQL selection (the note is the family's own: not read back).
SELECTION = " ".join(f.name for f in STAFF_FIELDS)
