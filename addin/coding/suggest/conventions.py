"""The conventions a coder applies before trusting a match: chapter gating and Z-code intents.

* Chapter gating: an injury or poisoning (S00-T88), external cause (V00-Y99), perinatal
  (P00-P96) or pregnancy (O00-O9A) code is only proposed when the text says so (an injury,
  newborn or pregnancy word); otherwise such a code pays ``GATE_COST``.
* Intents that change the chapter: "family history of X" -> Z80-Z84, "history of X" ->
  personal history Z85-Z87 (and Z91-Z92), "screening for X" -> Z11-Z13, "status post X" ->
  the status codes (Z89-Z99). With one of these the candidates are taken from those
  categories first, and other codes pay ``GATE_COST``.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.coding.suggest.text import stem

GATE_COST = 0.5


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in text.split())


# Words that let a chapter in (stemmed as the query is).
INJURY = _stems(
    "injury injuries injured fracture fractures wound laceration burn burns poisoning poisoned "
    "contusion bruise sprain strain dislocation subluxation bite bitten crush crushing "
    "abrasion trauma traumatic amputation concussion foreign body frostbite corrosion "
    "adverse underdosing underdose toxic overdose blister puncture avulsion tear torn "
    "rupture complication complications reaction effect effects sequela initial subsequent "
    "encounter hematoma stab gunshot fall accident allergic anaphylaxis anaphylactic "
    "hypothermia heatstroke drowning asphyxia suffocation electrocution radiation rejection "
    "failure mechanical displacement leakage malfunction "
    "intoxication maltreatment abuse neglect "
    "transfusion incompatibility insect sting superficial "
    "penetrating nonpenetrating"
)
EXTERNAL = _stems(
    "accident fall fell falling struck collision assault occupational place activity "
    "exposure contact bitten drowning explosion fire firearm intent intentional self harm "
    "legal war misadventure pedestrian driver passenger occupant cyclist vehicle car "
    "motorcycle boat aircraft animal dog cat horse insect sport sports hit strike jump "
    "external cause status military civilian work home street"
)
PERINATAL = _stems(
    "newborn newborns neonatal neonate perinatal fetus fetal birth infant premature "
    "preterm baby prematurity gestational perinatal"
)
PREGNANCY = _stems(
    "pregnancy pregnant gestation gestational obstetric obstetrical labor labour delivery "
    "delivered postpartum puerperal puerperium trimester antepartum abortion ectopic "
    "eclampsia preeclampsia intrapartum miscarriage placenta placental cesarean maternal "
    "molar hyperemesis gravid gravida pre eclampsia lactation breastfeeding childbirth "
    "postnatal prenatal antenatal"
)

_HISTORY = stem("history")
_FAMILY = stem("family")
_SCREEN = stem("screening")
_STATUS = stem("status")
_POST = stem("post")


@dataclass(frozen=True, slots=True)
class Intent:
    """What the words ask for beyond the condition: the code range and why."""

    prefixes: tuple[str, ...]
    reason: str
    name: str = ""
    # codes the Index reaches from the intent's main term ("History, personal (of),
    # myocardial infarction" -> I25.2), set per index by :meth:`within`
    extra: frozenset[str] = frozenset()

    def allows(self, code: str) -> bool:
        return code.startswith(self.prefixes) or code in self.extra

    def within(self, intents: dict[str, frozenset[str]]) -> Intent:
        return Intent(self.prefixes, self.reason, self.name, intents.get(self.name, frozenset()))


FAMILY_HISTORY = Intent(
    ("Z80", "Z81", "Z82", "Z83", "Z84"), "family history of -> Z80-Z84", "family"
)
PERSONAL_HISTORY = Intent(
    ("Z85", "Z86", "Z87", "Z91", "Z92"), "history of -> personal history Z85-Z87", "personal"
)
SCREENING = Intent(("Z11", "Z12", "Z13"), "screening for -> Z11-Z13", "screening")
STATUS_POST = Intent(
    ("Z89", "Z90", "Z92", "Z93", "Z94", "Z95", "Z96", "Z97", "Z98", "Z99"),
    "status post -> status codes Z89-Z99",
    "status",
)


def intent(words: set[str] | frozenset[str]) -> Intent | None:
    """The Z-code intent of a query's stems, if any."""
    if _HISTORY in words and _FAMILY in words:
        return FAMILY_HISTORY
    if _HISTORY in words:
        return PERSONAL_HISTORY
    if _SCREEN in words:
        return SCREENING
    if _STATUS in words and _POST in words:
        return STATUS_POST
    return None


def gated(code: str, words: set[str] | frozenset[str]) -> str:
    """Why ``code`` may not be proposed for text made of ``words`` ("" when it may)."""
    first = code[:1]
    if first in "ST" and not words & INJURY:
        return "injury/poisoning code without an injury word"
    if first in "VWXY" and not words & (EXTERNAL | INJURY):
        return "external cause code without an external cause word"
    if first == "P" and not words & PERINATAL:
        return "perinatal code without a newborn word"
    if first == "O" and not words & PREGNANCY:
        return "pregnancy code without a pregnancy word"
    return ""
