"""People's names for the codes the API uses: weights, divisions, summary metrics.

Rule: the API keeps its codes (``inhabitants``, ``swv_po``); pages show these labels in the
reader's language. Unknown codes are shown as they are.

>>> weight_label("inhabitants", "nl"), division_label("swv_po", "nl"), division_label("x", "nl")
('inwoners', 'samenwerkingsverbanden po', 'x')
"""

from __future__ import annotations

from maps.i18n.catalog import N_, gettext

WEIGHT_LABELS: dict[str, str] = {
    "area": N_("area (km²)"),
    "inhabitants": N_("inhabitants"),
    "inhabitants_0_15": N_("inhabitants aged 0-14"),
    "pupils_po": N_("pupils in primary education"),
    "pupils_vo": N_("pupils in secondary education"),
    "pupils_special": N_("pupils in special education"),
    "pupils": N_("all pupils"),
}
"""Weight code -> English label (msgid)."""

DIVISION_LABELS: dict[str, str] = {
    "swv_po": N_("samenwerkingsverbanden po"),
    "swv_vo": N_("samenwerkingsverbanden vo"),
    "swv": N_("samenwerkingsverbanden (po and vo together)"),
    "jeugdregio": N_("jeugdregio's"),
    "provincie": N_("provinces"),
    "ggdregio": N_("GGD regions"),
    "veiligheidsregio": N_("veiligheidsregio's"),
    "arbeidsmarktregio": N_("arbeidsmarktregio's"),
}
"""Division code -> English label (msgid), plural: the regions of the division."""

PRINCIPLE_LABELS: dict[int, str] = {
    1: N_("one samenwerkingsverband for po and vo together"),
    2: N_("support close to home: travel distances do not get longer"),
    3: N_("every samenwerkingsverband lies within one jeugdregio"),
}
"""The cabinet's three principles, short (msgids; ``geo.scenarios.model.PRINCIPLES`` in full)."""

CHECK_TITLES: dict[str, str] = {
    "P1": N_("Principle 1: one SWV for PO and VO"),
    "P2": N_("Principle 2: support close to home"),
    "P3": N_("Principle 3: every SWV within one jeugdregio"),
    "size": N_("Size: pupils per SWV within the bounds"),
    "contiguity": N_("Contiguity: every SWV one connected piece"),
    "disruption": N_("Disruption: pupils whose SWV changes"),
    "uniform": N_("Uniform regions: GGD, veiligheid, arbeidsmarkt, provincie"),
}
"""Titles of the checks of :mod:`geo.checks` (msgids, the same English as their ``title``)."""

SHORT_DIVISION_LABELS: dict[str, str] = {
    "swv_po": N_("SWV po"),
    "swv_vo": N_("SWV vo"),
    "swv": N_("SWV po+vo"),
}
"""Division code -> a short column header (msgid); the full label is read out beside it."""

REGION_LABELS: dict[str, str] = {
    "swv_po": N_("samenwerkingsverband po"),
    "swv_vo": N_("samenwerkingsverband vo"),
    "swv": N_("samenwerkingsverband"),
    "jeugdregio": N_("jeugdregio"),
    "provincie": N_("province"),
    "ggdregio": N_("GGD region"),
    "veiligheidsregio": N_("veiligheidsregio"),
    "arbeidsmarktregio": N_("arbeidsmarktregio"),
}
"""Division code -> English label (msgid) of one of its regions (singular)."""

METRIC_LABELS: dict[str, str] = {
    "congruence": N_("congruence"),
    "mean_containment": N_("mean containment"),
    "reverse_mean_containment": N_("reverse mean containment"),
    "nested_regions": N_("nested regions"),
    "regions": N_("regions"),
    "nested_share": N_("nested share"),
    "ari": N_("ARI"),
    "nmi": N_("NMI"),
    "vi": N_("VI"),
    "total_pieces": N_("pieces"),
    "no_region_total": N_("weight in no region"),
}
"""Summary field -> English label (msgid)."""


def weight_label(name: str, locale: str) -> str:
    """The label of weight ``name`` in ``locale``."""
    label = WEIGHT_LABELS.get(name)
    return gettext(locale)(label) if label else name


def division_label(name: str, locale: str) -> str:
    """The label of division ``name`` in ``locale`` (its regions, plural)."""
    label = DIVISION_LABELS.get(name)
    return gettext(locale)(label) if label else name


def division_short(name: str, locale: str) -> str:
    """A short label of division ``name`` for narrow table headers (else its full label).

    >>> division_short("swv", "nl"), division_short("jeugdregio", "en")
    ('SWV po+vo', "jeugdregio's")
    """
    label = SHORT_DIVISION_LABELS.get(name)
    return gettext(locale)(label) if label else division_label(name, locale)


def check_title(name: str, title: str, locale: str) -> str:
    """The title of check ``name`` in ``locale`` (its own ``title`` when not listed).

    >>> check_title("P3", "x", "nl"), check_title("new", "New check", "nl")
    ('Uitgangspunt 3: elk samenwerkingsverband binnen één jeugdregio', 'New check')
    """
    label = CHECK_TITLES.get(name)
    return gettext(locale)(label) if label else title


def region_label(name: str, locale: str) -> str:
    """The label of one region of division ``name`` in ``locale`` (singular).

    >>> region_label("jeugdregio", "nl"), region_label("swv", "en")
    ('jeugdregio', 'samenwerkingsverband')
    """
    label = REGION_LABELS.get(name)
    return gettext(locale)(label) if label else name


def principle_label(number: int, locale: str) -> str:
    """The short text of principle ``number`` in ``locale``.

    >>> principle_label(3, "nl")
    'elk samenwerkingsverband ligt binnen één jeugdregio'
    """
    return gettext(locale)(PRINCIPLE_LABELS[number])


def metric_label(name: str, locale: str) -> str:
    """The label of summary field ``name`` in ``locale``."""
    label = METRIC_LABELS.get(name)
    return gettext(locale)(label) if label else name
