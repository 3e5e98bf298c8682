"""Every dose, limit and interval the treatments app checks, each beside its citation id.

The ids (TX-n) point to docs/clinical-sources.md. Botulinum toxin units are specific to each product and are
never converted or added across products (TX-1, TX-2, TX-3). All numbers here feed *warnings* for the
clinician (decision support); none of them blocks a clinician's decision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

# --- Botulinum toxin ------------------------------------------------------------------------------------

#: Minimum time between two toxin sessions before a warning is shown, in weeks. BOTOX: "tolerance may be
#: found ... if treatments are given any more frequently than every three months" (TX-1); XEOMIN and
#: Dysport likewise call for repeat treatment no sooner than about every 12 weeks (TX-2, TX-3).
MIN_RETREATMENT_WEEKS = 12  # TX-1, TX-2, TX-3


@dataclass(frozen=True)
class ToxinProduct:
    """Labelled numbers for one product; ``None`` where its label gives no such number. Units: product units."""

    code: str
    generic: str
    brand: str
    manufacturer: str
    citation: str
    #: Usual initial dose per injection site in blepharospasm (low, high).
    initial_per_site: tuple[Decimal, Decimal] | None = None
    #: Above this per-site dose the label says little extra benefit is obtained.
    max_per_site: Decimal | None = None
    #: Most units per eye (periocular sites of one side) the label describes.
    max_per_eye: Decimal | None = None
    #: Most units in one session for the facial indications.
    max_per_session: Decimal | None = None
    #: Cumulative limit over any 30-day window, all sessions of this product.
    max_cumulative_30_days: Decimal | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


ONA, ABO, INCO = "ona", "abo", "inco"

TOXIN_PRODUCTS: dict[str, ToxinProduct] = {
    ONA: ToxinProduct(
        code=ONA,
        generic="onabotulinumtoxinA",
        brand="BOTOX",
        manufacturer="Allergan (AbbVie)",
        citation="TX-1",
        initial_per_site=(Decimal("1.25"), Decimal("2.5")),  # TX-1, blepharospasm
        max_per_site=Decimal("5"),  # TX-1: "little benefit ... from injecting more than 5 Units per site"
        max_cumulative_30_days=Decimal("200"),  # TX-1: blepharospasm, 30-day cumulative dose
    ),
    ABO: ToxinProduct(
        code=ABO,
        generic="abobotulinumtoxinA",
        brand="Dysport",
        manufacturer="Ipsen",
        citation="TX-3",
        max_per_eye=Decimal("120"),  # TX-3: blepharospasm / hemifacial spasm, units per eye
        notes=("Blepharospasm and hemifacial spasm are EU/UK labelled uses (not in the US label).",),
    ),
    INCO: ToxinProduct(
        code=INCO,
        generic="incobotulinumtoxinA",
        brand="XEOMIN",
        manufacturer="Merz",
        citation="TX-2",
        initial_per_site=(Decimal("1.25"), Decimal("2.5")),  # TX-2: when the previous ona dose is unknown
        max_per_eye=Decimal("50"),  # TX-2: maximum dose per eye in the controlled trials
        notes=("Initial total in toxin-naive patients: at most 70 U (35 U per eye) (TX-2).",),
    ),
}

PRODUCT_CHOICES = [(p.code, f"{p.generic} ({p.brand})") for p in TOXIN_PRODUCTS.values()]

# Injection sites ---------------------------------------------------------------------------------------
#: (code, label, periocular) — periocular sites count towards the labelled "per eye" dose.
MUSCLES: list[tuple[str, str, bool]] = [
    ("oo_pretarsal_upper", "Orbicularis oculi, pretarsal, upper lid", True),
    ("oo_pretarsal_lower", "Orbicularis oculi, pretarsal, lower lid", True),
    ("oo_preseptal_upper", "Orbicularis oculi, preseptal, upper lid", True),
    ("oo_preseptal_lower", "Orbicularis oculi, preseptal, lower lid", True),
    ("oo_orbital_upper", "Orbicularis oculi, orbital, upper (brow)", True),
    ("oo_orbital_lower", "Orbicularis oculi, orbital, lower", True),
    ("oo_orbital_lateral", "Orbicularis oculi, orbital, lateral canthus", True),
    ("corrugator", "Corrugator supercilii", True),
    ("procerus", "Procerus", True),
    ("frontalis", "Frontalis", False),
    ("zygomaticus_major", "Zygomaticus major", False),
    ("zygomaticus_minor", "Zygomaticus minor", False),
    ("risorius", "Risorius", False),
    ("levator_labii", "Levator labii superioris", False),
    ("buccinator", "Buccinator", False),
    ("depressor_anguli_oris", "Depressor anguli oris", False),
    ("mentalis", "Mentalis", False),
    ("orbicularis_oris_upper", "Orbicularis oris, upper lip", False),
    ("orbicularis_oris_lower", "Orbicularis oris, lower lip", False),
    ("platysma", "Platysma", False),
]
MUSCLE_CHOICES = [(code, label) for code, label, _ in MUSCLES]
MUSCLE_LABELS = dict(MUSCLE_CHOICES)
PERIOCULAR = frozenset(code for code, _, periocular in MUSCLES if periocular)
#: Procerus sits on the midline (side "midline" only); these others may be injected on a side or the midline.
MIDLINE_ONLY = frozenset({"procerus"})
MIDLINE_ALLOWED = MIDLINE_ONLY | {"mentalis", "orbicularis_oris_upper", "orbicularis_oris_lower"}

SIDE_CHOICES = [("right", "Right (patient's own)"), ("left", "Left (patient's own)"), ("midline", "Midline")]

#: Plausibility bounds for data entry (typing errors, not clinical limits).
MAX_UNITS_PER_ROW = Decimal("500")
MAX_CONCENTRATION_U_PER_ML = Decimal("1000")

# Adverse effects asked about at follow-up: the labels list ptosis, diplopia, dry eye, lagophthalmos and
# local weakness among the blepharospasm adverse reactions (TX-1, TX-2).
ADVERSE_EFFECTS = [
    ("ptosis", "Ptosis (drooping eyelid)"),
    ("lagophthalmos", "Lagophthalmos (incomplete eye closure)"),
    ("dry_eye", "Dry eye"),
    ("diplopia", "Diplopia (double vision)"),
    ("facial_weakness", "Facial weakness"),
    ("bruising", "Bruising at injection site"),
]

# --- Medications ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringItem:
    code: str
    label: str
    when: str
    citation: str


@dataclass(frozen=True)
class MedicationInfo:
    code: str
    name: str
    citation: str
    #: Labelled starting dose and titration, as text shown beside the titration schedule.
    titration: str
    #: Labelled maximum daily dose in mg (``None`` where not given for this use).
    max_daily_mg: Decimal | None
    monitoring: tuple[MonitoringItem, ...] = ()
    #: Shown when a stop date is entered.
    stopping: str = ""


MEDICATIONS: dict[str, MedicationInfo] = {
    "carbamazepine": MedicationInfo(
        code="carbamazepine",
        name="Carbamazepine",
        citation="TX-4",
        titration=(
            "Label (trigeminal neuralgia): 100 mg twice daily on day 1, increased by up to 200 mg/day in "
            "100 mg steps every 12 hours as needed; maintenance usually 400–800 mg/day (TX-4)."
        ),
        max_daily_mg=Decimal("1200"),  # TX-4, trigeminal neuralgia
        monitoring=(
            MonitoringItem(
                "hla_b1502",
                "HLA-B*15:02 test before starting in patients of at-risk (e.g. Asian) ancestry",
                "before start",
                "TX-4",
            ),
            MonitoringItem(
                "cbc", "Complete blood count incl. platelets", "baseline and periodically", "TX-4"
            ),
            MonitoringItem("lft", "Liver function tests", "baseline and periodically", "TX-4"),
            MonitoringItem("sodium", "Serum sodium (hyponatremia)", "baseline and periodically", "TX-4"),
        ),
        stopping="Do not stop abruptly in patients with seizures; withdraw gradually (TX-4).",
    ),
    "baclofen": MedicationInfo(
        code="baclofen",
        name="Baclofen",
        citation="TX-5",
        titration=(
            "Label: 5 mg three times a day for 3 days, then 10 mg, 15 mg and 20 mg three times a day, each "
            "for 3 days, as needed (TX-5)."
        ),
        max_daily_mg=Decimal("80"),  # TX-5
        stopping=(
            "Never stop abruptly: hallucinations and seizures have followed abrupt withdrawal — reduce "
            "the dose slowly (TX-5)."
        ),
    ),
    "clonazepam": MedicationInfo(
        code="clonazepam",
        name="Clonazepam",
        citation="TX-6",
        titration="Label (seizures, adults): start at no more than 1.5 mg/day in 3 doses; raise by 0.5–1 mg every 3 days (TX-6).",
        max_daily_mg=Decimal("20"),  # TX-6
        stopping="Withdrawal reactions: taper gradually, never stop abruptly (TX-6).",
    ),
    "gabapentin": MedicationInfo(
        code="gabapentin",
        name="Gabapentin",
        citation="TX-7",
        titration="Label (postherpetic neuralgia): 300 mg day 1, 600 mg day 2, 900 mg day 3, then up to 1800 mg/day (TX-7).",
        max_daily_mg=Decimal("1800"),  # TX-7, postherpetic neuralgia
        stopping="Withdraw gradually over at least 1 week (TX-7).",
    ),
}
MEDICATION_CHOICES = [(m.code, m.name) for m in MEDICATIONS.values()] + [("other", "Other")]


def totals_by_product_and_side(rows: Iterable[tuple[str, str, Decimal]]) -> dict[str, dict[str, Decimal]]:
    """Units per product then per side, plus a per-product ``total``. Never sums across products."""
    out: dict[str, dict[str, Decimal]] = {}
    for product, side, units in rows:
        per_side = out.setdefault(product, defaultdict(Decimal))
        per_side[side] += Decimal(units)
        per_side["total"] += Decimal(units)
    return {product: dict(sides) for product, sides in out.items()}
