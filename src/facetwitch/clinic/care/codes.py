"""Code systems and the codes the FHIR export uses, each checked against a cited source (DS-n).

fhir.resources does not check value sets, so this table is the single place codes come from and tests check
every exported SNOMED CT / ICD-10-CM / CPT code against it. Causes without a verified standard code are sent
as text plus a code of the local code system (never a guessed standard code).
"""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CAREPLAN_CATEGORY_US_CORE = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
URI = "urn:ietf:rfc:3986"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
# Local code systems: placeholders under the reserved ".invalid" domain; a clinic publishing these should
# replace them with its own canonical URL.
LOCAL_OBSERVATION = "https://fhir.facetwitch.invalid/CodeSystem/observation"
LOCAL_CAUSE = "https://fhir.facetwitch.invalid/CodeSystem/cause"
LOCAL_RED_FLAG = "https://fhir.facetwitch.invalid/CodeSystem/red-flag"

# system -> code -> (display, source ids)
VERIFIED: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    SNOMED: {
        "13753008": ("Hemifacial spasm", ("DS-35",)),
        "193093009": ("Bell's palsy", ("DS-35",)),
        # Laterality qualifiers (HL7 value set bodystructure-laterality).
        "7771000": ("Left", ("DS-57",)),
        "24028007": ("Right", ("DS-57",)),
        "51440002": ("Right and left", ("DS-57",)),
    },
    RXNORM: {
        "308979": ("carbamazepine 200 MG Oral Tablet", ("DS-56",)),
        "308973": ("carbamazepine 100 MG Chewable Tablet", ("DS-56",)),
        "197391": ("baclofen 10 MG Oral Tablet", ("DS-56",)),
    },
    ICD10CM: {
        "G51.31": ("Clonic hemifacial spasm, right", ("DS-34",)),
        "G51.32": ("Clonic hemifacial spasm, left", ("DS-34",)),
        "G51.33": ("Clonic hemifacial spasm, bilateral", ("DS-34",)),
        "G51.39": ("Clonic hemifacial spasm, unspecified", ("DS-34",)),
        "G24.5": ("Blepharospasm", ("DS-34",)),
        "G51.0": ("Bell's palsy", ("DS-34",)),
    },
    CPT: {
        "64612": (
            "Chemodenervation of muscle(s); muscle(s) innervated by facial nerve, unilateral "
            "(eg, for blepharospasm, hemifacial spasm)",
            ("DS-36",),
        ),
    },
}

#: Laterality qualifier per side (patient's own).
LATERALITY = {"left": "7771000", "right": "24028007", "both": "51440002"}
#: The clinic's drug keys -> the verified RxNorm clinical drug (SCD) of the tablet the schedules start from.
#: Drugs and toxin products without a verified code are sent as text only (see DS-56).
RXNORM_BY_DRUG = {"carbamazepine": "308979", "baclofen": "197391"}
#: Toxin units are product-specific biological units, not UCUM enzyme units [U]: a UCUM annotation (DS-57).
TOXIN_UNIT = {"unit": "U", "system": UCUM, "code": "{U}"}

HFS_ICD_BY_SIDE = {"right": "G51.31", "left": "G51.32", "both": "G51.33", None: "G51.39"}

# Observations without a standard code (JRS and SMC have no LOINC code): local codes, with units.
LOCAL_OBSERVATIONS: dict[str, tuple[str, str | None]] = {
    "jankovic-severity": ("Jankovic Rating Scale, severity (0-4)", None),
    "jankovic-frequency": ("Jankovic Rating Scale, frequency (0-4)", None),
    "smc-grade": ("Samsung Medical Center grade of hemifacial spasm (I-IV)", None),
    "house-brackmann": ("House-Brackmann facial nerve grade (I-VI)", None),
    "hfs7-total": ("HFS-7 total score (0-28)", None),
    "hfs30-total": ("HFS-30 total score (0-120)", None),
    "bsdi-total": ("Blepharospasm Disability Index total (0-24)", None),
    "video-blink-rate": ("Blink rate from video", "/min"),
    "video-episodes-per-min-left": ("Spasm episodes per minute from video, left side", "/min"),
    "video-episodes-per-min-right": ("Spasm episodes per minute from video, right side", "/min"),
    "video-episodes-per-min-both": ("Bilateral closures per minute from video", "/min"),
    "video-spasm-time-fraction-left": ("Fraction of time in spasm from video, left side", "1"),
    "video-spasm-time-fraction-right": ("Fraction of time in spasm from video, right side", "1"),
    "video-spasm-time-fraction-both": ("Fraction of time in bilateral closure from video", "1"),
    "video-tremor-frequency": ("Facial tremor frequency from video", "Hz"),
}
#: Local codes of the differential's findings (evidence of provisional Conditions).
LOCAL_FINDING = "https://fhir.facetwitch.invalid/CodeSystem/finding"
#: Identifier system of the clinic's own record ids (placeholder under ".invalid", like the code systems).
MRN_TYPE = {"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}


def display(system: str, code: str) -> str:
    """The verified display of ``code``; KeyError for an unverified code (so it can never be exported)."""
    return VERIFIED[system][code][0]


def is_verified(system: str, code: str) -> bool:
    return code in VERIFIED.get(system, {})
