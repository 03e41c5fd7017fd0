"""Excel worksheet functions (xlwings UDFs): thin wrappers over the library, never raising.

Excel hands these functions floats for numbers (99213 arrives as 99213.0), datetimes or
serial numbers for dates, None for empty cells and 2-D lists for ranges. Answers are values,
or Excel's error text: "#N/A" when the thing asked about is not found (or its code set is
not imported), "#VALUE!" for an argument that cannot be used. Classic xlwings imports these
on Windows desktop Excel (xlwings.conf: UDF Modules = addin.excel.udfs); elsewhere the
decorators do nothing and the functions are plain Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, cast, get_args

from addin.codesets import icd10cm, ncci
from addin.coding.rules.fields import npi_problem
from addin.excel import args
from addin.excel.args import NA, BadArgument, NotFound, cell_safe
from addin.excel.codes import describe, icd_facts, procedure_problem, resolve, suggestions
from addin.excel.contracts import allowed_for, contracts_from_grid
from addin.models.types import normalize_digits, normalize_modifier, normalize_procedure

F = TypeVar("F", bound=Callable[..., Any])

try:  # classic xlwings; on Linux/macOS its decorators are pass-throughs
    import xlwings as _xw

    _func: Any = _xw.func
    _arg: Any = _xw.arg
except ImportError:  # pragma: no cover - Pyodide/xlwings Lite has no classic xlwings
    _func = _arg = None


def udf(f: F) -> F:
    """Mark a worksheet function for xlwings' "Import Functions" (category Claimbook)."""
    return cast(F, _func(category=CATEGORY)(f)) if _func is not None else f


def arg(name: str, **options: Any) -> Callable[[F], F]:
    """xlwings' argument conversion options (e.g. ndim=2 for a range)."""
    if _arg is None:
        return lambda f: f
    return cast(Callable[[F], F], _arg(name, **options))


CATEGORY = "Claimbook"
System = Literal["icd10cm", "hcpcs", "cpt", "all"]
SYSTEMS: tuple[str, ...] = get_args(System)

# Argument names become VBA parameter names in the wrappers xlwings generates, so none may
# be a VBA keyword: the date of service is `dos`, never `date`.
# Argument types: Any lets xlwings hand the raw cell values over (a Union or Literal here
# would make classic xlwings look for a converter that does not exist); the docs show in
# Excel's function wizard.
Code = Annotated[Any, {"doc": "A code: E11.9, e119, 99213 (a number is fine), J3301."}]
Dos = Annotated[
    Any, {"doc": "Date of service: an Excel date, a serial number or YYYY-MM-DD (default: newest)."}
]
Text = Annotated[Any, {"doc": "Free text, e.g. 'DM2 w/ neuropathy' or 'flu shot'."}]
SystemArg = Annotated[Any, {"doc": f"Code system: {', '.join(SYSTEMS)} (default icd10cm)."}]
Top = Annotated[Any, {"doc": "How many codes to list, 1-50 (default 5)."}]
SexArg = Annotated[Any, {"doc": "Patient sex: M, F or U (optional)."}]
AgeArg = Annotated[Any, {"doc": "Patient age in years at the date of service (optional)."}]
Npi = Annotated[Any, {"doc": "A 10-digit NPI (a number is fine)."}]
Payer = Annotated[Any, {"doc": "The payer as the Contracts sheet names it."}]
ModifierArg = Annotated[Any, {"doc": "Modifier, e.g. 25 or TC (optional)."}]
ContractsArg = Annotated[
    Any, {"doc": "The Contracts table: Payer, Code, Modifier, Allowed (headers optional)."}
]


@udf
@cell_safe
def CB_SUGGEST(  # noqa: N802 - Excel function names are upper case
    text: Text, system: SystemArg = None, top: Top = None, dos: Dos = None
) -> Any:
    """Suggest billable codes for free text: rows of code, description, score and a
    "check the Index under ..." note when the score is low (best first)."""
    words = args.text(text, "text")
    chosen = (args.text(system, "system", required=False) or "icd10cm").lower()
    if chosen not in SYSTEMS:
        raise BadArgument("system")
    count = args.whole(top, "top", low=1, high=50) or 5
    found = suggestions(words or "", chosen, count, args.when(dos))
    if not found:
        raise NotFound("no suggestion")
    return [list(row) for row in found]


@udf
@cell_safe
def CB_DESCRIBE(code: Code, dos: Dos = None) -> Any:  # noqa: N802
    """The description of an ICD-10-CM, HCPCS or (licensed) CPT code on the date of service."""
    resolved = resolve(args.text(code, "code") or "")
    found = describe(resolved, args.when(dos))
    if found is None:
        raise NotFound("code")
    return found


@udf
@cell_safe
def CB_VALID(  # noqa: N802
    code: Code, dos: Dos = None, sex: SexArg = None, age: AgeArg = None
) -> Any:
    """TRUE when the code can be billed on the date (for this sex and age), else the reason."""
    resolved = resolve(args.text(code, "code") or "")
    on = args.when(dos)
    patient_sex = args.sex(sex)
    years = args.whole(age, "age", low=0, high=130)
    if resolved.kind in ("cpt", "hcpcs"):
        return procedure_problem(resolved, on) or True
    if resolved.kind == "unknown":
        return f"{resolved.code} is not an ICD-10-CM, CPT or HCPCS code"
    facts = icd_facts(resolved.code, on)
    if isinstance(facts, str):
        return facts.split(";", 1)[0]
    if facts.problem is not None:
        return facts.problem[1]
    edits = facts.edits
    if edits is None:
        return True
    if edits.sex is not None and patient_sex in ("M", "F") and edits.sex.value != patient_sex:
        who = "female" if edits.sex.value == "F" else "male"
        return f"{resolved.code} is for {who} patients"
    if years is not None:
        for lo, hi, _ in edits.ages:
            if not lo <= years <= hi:
                return f"{resolved.code} applies to ages {lo}-{hi}"
    return True


@udf
@cell_safe
def CB_BILLABLE(code: Code) -> Any:  # noqa: N802
    """TRUE when an ICD-10-CM code is billable (FALSE for a category/header); #N/A unknown."""
    answer = icd10cm.lookup(args.text(code, "code") or "")
    if answer.status == "ok":
        return True
    if answer.status == "not_billable":
        return False
    raise NotFound("code")


@udf
@cell_safe
def CB_NPI_VALID(npi: Npi) -> Any:  # noqa: N802
    """TRUE for a well-formed NPI (10 digits, Luhn check digit with 80840), else the reason."""
    digits = normalize_digits(args.text(npi, "npi") or "")
    problem = npi_problem(digits)
    return True if problem is None else problem[1]


@udf
@arg("contracts", ndim=2)
@cell_safe
def CB_EXPECTED(  # noqa: N802
    payer: Payer, code: Code, modifier: ModifierArg = None, contracts: ContractsArg = None
) -> Any:
    """The contracted allowed amount for one unit of a code, from the Contracts range."""
    name = args.text(payer, "payer") or ""
    proc = args.text(code, "code") or ""
    mod = args.text(modifier, "modifier", required=False) or ""
    rows = contracts_from_grid(args.grid(contracts, "contracts"))
    found: Decimal | None = allowed_for(rows, name, proc, normalize_modifier(mod) if mod else "")
    if found is None:
        raise NotFound("contract")
    return float(found)  # Excel cells hold doubles; the amount has two places


@udf
@cell_safe
def CB_NCCI(code1: Code, code2: Code, dos: Dos = None) -> Any:  # noqa: N802
    """NCCI PTP edit between two codes: FALSE when none, else what the edit allows."""
    first = args.text(code1, "code1") or ""
    second = args.text(code2, "code2") or ""
    on = args.when(dos) or _today()
    table = ncci.table(on)
    if table is None:
        raise NotFound("NCCI not imported")
    # PTP pairs are CPT/HCPCS codes: G0439 is never read as ICD-10-CM G04.39 here
    edit = table.pair(normalize_procedure(first), normalize_procedure(second), on)
    if edit is None:
        return False
    if edit.modifier_allowed:
        how = "a modifier such as 59/XU may bypass it"
    else:
        how = "no modifier bypasses it"
    return (
        f"{edit.column2} bundles into {edit.column1} (indicator {edit.modifier_indicator}: {how})"
    )


def _today() -> date:
    return date.today()


UDFS = (CB_SUGGEST, CB_DESCRIBE, CB_VALID, CB_BILLABLE, CB_NPI_VALID, CB_EXPECTED, CB_NCCI)
__all__ = [f.__name__ for f in UDFS] + ["NA", "UDFS"]
