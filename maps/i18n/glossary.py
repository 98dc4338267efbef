"""The glossary (``/begrippen``): every word and figure the pages use, in plain language.

Each entry has an anchor (``/begrippen#congruentie``) that pages and map legends link to next
to a figure. The texts follow ``docs/metrics.md`` (congruence: the mean of the weighted mean
containment in both directions) and ``docs/verdict.md`` (the three principles).

>>> [e.anchor for e in GLOSSARY][:3]
['samenwerkingsverband', 'jeugdregio', 'gemeente']
>>> glossary_entries("nl")[0]["term"]
'samenwerkingsverband (SWV)'
"""

from __future__ import annotations

from dataclasses import dataclass

from maps.i18n.catalog import N_, gettext


@dataclass(frozen=True)
class Entry:
    """One glossary entry: anchor, term and definition (English msgids)."""

    anchor: str
    term: str
    definition: str
    specialist: bool = False
    """Shown under "more measures" (ARI, NMI, VI)."""


GLOSSARY: tuple[Entry, ...] = (
    Entry(
        "samenwerkingsverband",
        N_("samenwerkingsverband (SWV)"),
        N_(
            "The partnership of the school boards in a region for passend onderwijs: it "
            "arranges support for pupils who need extra help. Primary education (po) and "
            "secondary education (vo) each have their own SWVs today. By law an SWV is a set "
            "of 4-digit postcodes; a gemeente can therefore lie in more than one SWV."
        ),
    ),
    Entry(
        "jeugdregio",
        N_("jeugdregio"),
        N_(
            "A group of gemeenten that arrange youth care together. The cabinet wants every "
            "SWV to lie within one jeugdregio."
        ),
    ),
    Entry(
        "gemeente",
        N_("gemeente"),
        N_(
            "The gemeenten of 2025 (CBS boundaries) are the building blocks of every map and "
            "figure."
        ),
    ),
    Entry(
        "scenario",
        N_("scenario"),
        N_(
            "A division of the gemeenten into SWVs and other regions: today's (huidig) or a "
            "proposal (voorstel) with its changes."
        ),
    ),
    Entry(
        "weging",
        N_("weight"),
        N_(
            "What a figure counts: area, inhabitants, inhabitants aged 0-14 or pupils. "
            "Weighted by pupils, a region that is split counts by how many pupils lie on each "
            "side, not by how much land."
        ),
    ),
    Entry(
        "inbedding",
        N_("containment"),
        N_(
            "The share of a region (by the chosen weight) that lies in the one region of the "
            "other division it overlaps most. 1 means the region lies entirely within one "
            "region; 0.6 means 40% of it lies outside."
        ),
    ),
    Entry(
        "genest",
        N_("lies within one region (nested)"),
        N_(
            "A region with a containment of at least 0.995: at most 0.5% of it lies outside "
            "its best-matching region of the other division."
        ),
    ),
    Entry(
        "congruentie",
        N_("congruence"),
        N_(
            "How well two divisions line up, from 0 to 1. It is the mean of two shares: the "
            "(weighted) share of the SWVs that lies within their best-matching jeugdregio, and "
            "the share of the jeugdregio's that lies within their best-matching SWV. It is 1 "
            "only when the two divisions coincide. Because it looks both ways, it stays below 1 "
            "when every SWV lies within one jeugdregio but a jeugdregio holds several SWVs."
        ),
    ),
    Entry(
        "stukken",
        N_("pieces"),
        N_(
            "The number of (region, region) pairs that overlap. Every region that is cut adds "
            "pieces; two identical divisions have as many pieces as regions."
        ),
    ),
    Entry(
        "geen-regio",
        N_("weight in no region"),
        N_(
            "Weight that lies in no region of one of the divisions, such as the Europoort "
            "postcodes of Rotterdam, which belong to no SWV. It is left out of the figures and "
            "shown beside them."
        ),
    ),
    Entry(
        "gesplitste-gemeente",
        N_("split gemeente"),
        N_(
            "A gemeente whose postcodes belong to more than one SWV. Its share in each SWV is "
            "counted by the chosen weight."
        ),
    ),
    Entry(
        "leerlingen-wisselen",
        N_("pupils who change SWV"),
        N_(
            "The pupils living in gemeenten (or postcodes) whose SWV differs from today's, "
            "counted where they live. A measure of how much a proposal disturbs."
        ),
    ),
    Entry(
        "principes",
        N_("the three principles"),
        N_(
            "The cabinet's principles for a new SWV division: (1) one SWV for po and vo "
            "together, (2) support close to home: travel distances must not get longer, and (3) "
            "every SWV lies within one jeugdregio. The verdict checks each, and also the sizes "
            "and that every SWV is one connected area."
        ),
    ),
    Entry(
        "ari",
        N_("ARI (adjusted Rand index)"),
        N_(
            "For specialists. How often two pieces of weight that lie together in one division "
            "also lie together in the other, corrected for chance: 1 means identical "
            "divisions, about 0 no more agreement than chance."
        ),
        specialist=True,
    ),
    Entry(
        "nmi",
        N_("NMI (normalised mutual information)"),
        N_(
            "For specialists. How much knowing a region of one division tells you about the "
            "region of the other, from 0 (nothing) to 1 (everything: identical divisions)."
        ),
        specialist=True,
    ),
    Entry(
        "vi",
        N_("VI (variation of information)"),
        N_(
            "For specialists. The information lost and gained going from one division to the "
            "other, in bits. 0 means identical divisions; higher means more different (lower is "
            "better, unlike the other figures)."
        ),
        specialist=True,
    ),
)
"""The glossary entries in reading order (specialist measures last)."""


def glossary_entries(locale: str) -> list[dict[str, object]]:
    """The entries translated into ``locale``: anchor, term, definition, specialist."""
    _ = gettext(locale)
    return [
        {
            "anchor": e.anchor,
            "term": _(e.term),
            "definition": _(e.definition),
            "specialist": e.specialist,
        }
        for e in GLOSSARY
    ]
