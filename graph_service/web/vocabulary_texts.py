"""The built-in vocabulary labels (goals, help kinds, skills), marked for the catalogues.

Pages translate a label where they show it; terms added by configuration
(``GS_EXTRA_*``) are shown as configured. A test checks this list against the vocabulary.
"""

from __future__ import annotations

from graph_service.web.guard import N_

LABELS = (
    N_("Emergency savings"),
    N_("Pay down debt"),
    N_("Build credit"),
    N_("Raise income"),
    N_("Start or grow a business"),
    N_("Buy a home"),
    N_("Stable housing"),
    N_("Finish a degree or certificate"),
    N_("Learn English"),
    N_("Children's grades"),
    N_("Health"),
    N_("Leadership in the community"),
    N_("Childcare"),
    N_("Transport"),
    N_("Food and meals"),
    N_("Lending money"),
    N_("Job leads"),
    N_("Tutoring"),
    N_("Repairs"),
    N_("Housing (a place to stay)"),
    N_("Paperwork and taxes"),
    N_("Emotional support"),
    N_("Advice from experience"),
    N_("Cooking"),
    N_("Sewing and tailoring"),
    N_("Car repair"),
    N_("Home repair"),
    N_("Tax and paperwork"),
    N_("English and translation"),
    N_("Bookkeeping"),
    N_("Computer skills"),
    N_("Driving"),
    N_("Hair and beauty"),
    N_("Job search"),
    N_("Small-business know-how"),
)
