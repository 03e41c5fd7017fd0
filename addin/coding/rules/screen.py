"""A fast screen for the field rules: most encounters are clean, so prove that cheaply first.

``clean_encounter`` and ``clean_lines`` return True only when the detailed rules in
``fields`` would find nothing; anything doubtful returns False and the detailed rules run
and explain. The screen never reports: it only decides whether explaining is needed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin.coding.rules.fields import npi_problem
from addin.coding.rules.registry import Context
from addin.coding.rules.tables import RELATIONSHIPS, STATES, places_of_service
from addin.models import Encounter, Person
from addin.models.types import normalize_digits

_CENT = Decimal("0.01")


class Screen:
    """Memoised checks of values that repeat across rows (NPIs, payers, units, charges)."""

    def __init__(self, ctx: Context, payers: frozenset[str]) -> None:
        self.today = ctx.today
        self.payers = payers
        self._npi: dict[str, bool] = {}
        self._payer: dict[str, bool] = {}
        self._ndc: dict[str, bool] = {}
        self._units: set[Decimal] = set()
        self._charges: set[Decimal] = set()
        # POS code -> first valid date (date.min when long-standing)
        self.pos = {
            code: place.effective_from or date.min for code, place in places_of_service().items()
        }

    def npi_ok(self, npi: str) -> bool:
        ok = self._npi.get(npi)
        if ok is None:
            ok = self._npi[npi] = npi_problem(npi) is None
        return ok

    def payer_ok(self, payer: str) -> bool:
        ok = self._payer.get(payer)
        if ok is None:
            # No Payers sheet at all is reported once, not on every claim.
            ok = self._payer[payer] = not self.payers or (
                " ".join(payer.split()).casefold() in self.payers
            )
        return ok

    def ndc_ok(self, ndc: str) -> bool:
        ok = self._ndc.get(ndc)
        if ok is None:
            digits = normalize_digits(ndc)
            ok = self._ndc[ndc] = len(digits) == 11 and digits.isdigit()
        return ok

    def units_ok(self, units: Decimal) -> bool:
        if units in self._units:
            return True
        if units > 0 and units == units.to_integral_value():
            self._units.add(units)
            return True
        return False

    def charge_ok(self, charge: Decimal) -> bool:
        if charge in self._charges:
            # Decimal("100") == Decimal("100.00") hash alike; both are fine amounts.
            return True
        if charge >= 0 and charge == charge.quantize(_CENT):
            self._charges.add(charge)
            return True
        return False

    def person_ok(self, p: Person | None, dos: date | None, address: bool) -> bool:
        if p is None or not (p.last_name and p.first_name and p.sex is not None):
            return False
        dob = p.dob
        if dob is None or (dos is not None and (dob > dos or dos.year - dob.year > 120)):
            return False
        if not address:
            return True
        z = p.zip
        return bool(
            p.address
            and p.city
            and p.state in STATES
            and (len(z) == 5 or len(z) == 9)
            and z.isdigit()
        )

    def clean_encounter(self, enc: Encounter) -> bool:
        """True when ``fields.check_encounter`` would find nothing."""
        dos = enc.date_of_service
        if dos is None or dos > self.today or not enc.lines:
            return False
        if not (enc.payer and self.payer_ok(enc.payer) and enc.member_id):
            return False
        if not (enc.diagnoses and enc.diagnoses[0]):
            return False
        if not (enc.rendering_npi and self.npi_ok(enc.rendering_npi)):
            return False
        if enc.referring_npi and not self.npi_ok(enc.referring_npi):
            return False
        start = self.pos.get(enc.place_of_service)
        if start is None or dos < start:
            return False
        frequency = enc.claim_frequency
        if frequency != "1" and not (frequency in ("7", "8") and enc.payer_claim_number):
            return False
        if not self.person_ok(enc.patient, dos, True):
            return False
        relation = enc.relationship
        if relation not in ("Self", "self", "18", ""):
            if relation.strip().casefold() not in RELATIONSHIPS:
                return False
            if not enc.is_self and not self.person_ok(enc.subscriber, dos, False):
                return False
        return True

    def clean_lines(self, enc: Encounter) -> bool:
        """True when ``fields.check_lines`` would find nothing."""
        count = len(enc.diagnoses)
        pos, dos, npi = enc.place_of_service, enc.date_of_service, enc.rendering_npi
        for line in enc.lines:
            if not line.procedure_code:
                return False
            if line.ndc and not self.ndc_ok(line.ndc):
                return False
            # Line values equal to the claim's are checked once, on the claim.
            if line.place_of_service != pos and (line.place_of_service or not pos):
                return False
            if line.date_of_service is not None and line.date_of_service != dos:
                return False
            if line.rendering_npi and line.rendering_npi != npi:
                return False
            units = line.units
            if units not in self._units and not self.units_ok(units):
                return False
            charge = line.charge
            if charge is None or (charge not in self._charges and not self.charge_ok(charge)):
                return False
            pointers = line.dx_pointers
            if not pointers or len(pointers) > 4:
                return False
            for pointer in pointers:
                if not 1 <= pointer <= count:
                    return False
        return True
