"""HCPCS Level II suggestion over the 2020 CMS file imported into the isolated data folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from addin.codesets import import_path
from addin.coding.suggest import reload, suggest
from addin.errors import CodeSetNotLoaded

hcpcs = pytest.importorskip("addin.codesets.hcpcs", reason="the HCPCS importer is not present")


@pytest.fixture
def imported(shared: Path) -> None:
    import_path(shared / "corpus" / "codesets" / "HCPC2020_ANWEB.zip")
    reload()


def test_without_an_import_hcpcs_is_reported_not_loaded() -> None:
    with pytest.raises(CodeSetNotLoaded, match="HCPCS Level II.*codesets import"):
        suggest("wheelchair", system="hcpcs")
    with pytest.raises(CodeSetNotLoaded, match="CPT"):
        suggest("office visit", system="cpt")
    # "all" still answers from ICD-10-CM
    assert suggest("HTN", system="all")[0].code == "I10"


@pytest.mark.shared
def test_hcpcs_suggestions_come_from_the_imported_file(imported: None) -> None:
    found = suggest("standard wheelchair", system="hcpcs", top=5, on=date(2020, 6, 1))
    assert found[0].code == "K0001"
    assert {s.system for s in found} == {"hcpcs"}
    for item in found:
        answer = hcpcs.lookup(item.code, date(2020, 6, 1))
        assert answer is not None and answer.valid
        assert answer.description == item.description
    assert suggest("influenza virus vaccine", system="hcpcs")[0].code.startswith(("90", "Q"))


@pytest.mark.shared
def test_all_systems_merge_by_score(imported: None) -> None:
    found = suggest("lightweight wheelchair", system="all", top=5)
    assert found[0].system == "hcpcs" and found[0].code == "K0003"
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)


def test_cpt_suggestions_come_from_the_clinics_licensed_file(tmp_path: Path) -> None:
    # Descriptors written for this test (real CPT text is licensed and not in the repo).
    source = tmp_path / "CPT2026_clinic_export.csv"
    source.write_text(
        "CPT Code,Long Descriptor,Short Descriptor\n"
        "99213,Office visit for an established patient of low complexity,OFFICE EST LOW\n"
        "99203,Office visit for a new patient of low complexity,OFFICE NEW LOW\n"
        "90471,Administration of one vaccine by injection,IMMUNIZATION ADMIN\n"
        "93000,Electrocardiogram with interpretation and report,ECG COMPLETE\n",
        encoding="utf-8",
    )
    import_path(source, "cpt")
    reload()
    found = suggest("new patient office visit", system="cpt", top=2)
    assert [s.code for s in found] == ["99203", "99213"]
    assert found[0].system == "cpt"
    assert found[0].description == "Office visit for a new patient of low complexity"
    assert suggest("electrocardiogram", system="cpt")[0].code == "93000"
