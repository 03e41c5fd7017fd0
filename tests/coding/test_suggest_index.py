"""Suggestion with the Alphabetic Index: the conventions a coder applies, on the shipped data."""

from __future__ import annotations

import importlib

import pytest

from addin.codesets import icd10cm
from addin.coding.suggest.conventions import gated, intent
from addin.coding.suggest.text import stem

sg = importlib.import_module("addin.coding.suggest")


def codes(text: str, top: int = 5) -> list[str]:
    return [s.code for s in sg.suggest(text, top=top)]


def first(text: str) -> str:
    return codes(text, 1)[0]


# --- 7th characters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fx left radius shaft sequela", "S52.302S"),
        ("fx left radius shaft sqla", "S52.302S"),
        ("closed fracture of right femoral neck sequela", "S72.001S"),
        ("poisoning by benzocaine sequela", "T41.3X1S"),
        ("fx left radius shaft subs", "S52.302D"),
        ("fx left radius shaft subsequent encounter", "S52.302D"),
        ("fx left radius shaft init", "S52.302A"),
        ("fx left radius shaft", "S52.302A"),  # no encounter word: the initial encounter
    ],
)
def test_seventh_character_from_the_words(text: str, expected: str) -> None:
    assert first(text) == expected


def test_sequela_is_not_the_initial_encounter_on_fracture_codes() -> None:
    top = codes("fracture of shaft of left radius, sequela")
    assert top[0].endswith("S")
    assert not top[0].endswith("A")


def test_other_seventh_characters_are_offered_lower_in_the_list() -> None:
    found = sg.suggest("fx left radius shaft subs", top=5)
    same_stem = [s for s in found if s.code.startswith("S52.302")]
    assert len(same_stem) >= 2
    assert same_stem[0].code == "S52.302D" and found[0].code == "S52.302D"
    assert same_stem[1].score < same_stem[0].score
    assert "another 7th character" in same_stem[1].why
    assert "7th character D" in found[0].why


# --- Z-code intents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("history of breast cancer", "Z85.3"),
        ("history of kidney stones", "Z87.442"),
        ("h/o pneumonia", "Z87.01"),
        ("history of DVT", "Z86.718"),
        ("h/o MI", "I25.2"),  # the Index sends "History, personal, myocardial infarction" here
    ],
)
def test_history_of_is_a_personal_history_code(text: str, expected: str) -> None:
    assert first(text) == expected


def test_history_of_never_returns_the_disease_itself() -> None:
    for text in ("history of breast cancer", "history of pneumonia", "history of DVT"):
        assert all(c.startswith(("Z85", "Z86", "Z87", "Z91", "Z92")) for c in codes(text, 3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("family history of diabetes", "Z83.3"),
        ("family history of asthma", "Z82.5"),
        ("family history of breast cancer", "Z80.3"),
        ("fhx heart disease", "Z82.49"),
    ],
)
def test_family_history_is_z80_to_z84(text: str, expected: str) -> None:
    assert first(text) == expected
    assert all(c[:3] in ("Z80", "Z81", "Z82", "Z83", "Z84") for c in codes(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("screening for diabetes", "Z13.1"),
        ("screening for prostate cancer", "Z12.5"),
        ("screening for depression", "Z13.31"),
        ("screening for HIV", "Z11.4"),
    ],
)
def test_screening_for_is_z11_to_z13(text: str, expected: str) -> None:
    assert first(text) == expected
    assert all(c[:3] in ("Z11", "Z12", "Z13") for c in codes(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status post appendectomy", "Z90.49"),
        ("s/p kidney transplant", "Z94.0"),
        ("status post cardiac pacemaker", "Z95.0"),
        ("status post colostomy", "Z93.3"),
    ],
)
def test_status_post_is_a_status_code(text: str, expected: str) -> None:
    assert first(text) == expected
    assert "status post" in sg.suggest(text, top=1)[0].why


def test_intent_words() -> None:
    words = {stem(w) for w in "family history of colon cancer".split()}
    assert intent(words) is not None and intent(words).prefixes[0] == "Z80"  # type: ignore[union-attr]
    assert intent({stem("pneumonia")}) is None


# --- chapter gating ------------------------------------------------------------------------


def test_no_injury_code_without_an_injury_word() -> None:
    for text in ("ankle pain", "knee swelling", "headache", "shoulder stiffness"):
        assert not any(c.startswith(("S", "T")) for c in codes(text)), text
    assert codes("sprain of left ankle")[0].startswith("S93")


def test_no_newborn_or_pregnancy_code_without_the_word() -> None:
    assert not any(c.startswith("P") for c in codes("jaundice"))
    assert first("neonatal jaundice") == "P59.9"
    assert not any(c.startswith("O") for c in codes("hypertension"))
    assert first("preeclampsia third trimester") == "O14.93"


def test_gate_reasons() -> None:
    assert gated("S93.401A", {stem("ankle"), stem("pain")})
    assert not gated("S93.401A", {stem("ankle"), stem("sprain")})
    assert gated("P59.9", {stem("jaundice")})
    assert not gated("I10", set())


# --- the Index itself ----------------------------------------------------------------------


def test_index_default_at_the_main_term() -> None:
    found = sg.suggest("abdominalgia", top=1)[0]
    assert found.code == "R10.9"
    assert found.why.startswith("Index: Abdominalgia (see Pain, abdominal)")


def test_eponym_found_through_the_index() -> None:
    found = sg.suggest("Abderhalden-Kaufmann-Lignac syndrome", top=1)[0]
    assert found.code == "E72.04"
    assert found.why.startswith("Index: ")


def test_see_cross_reference_followed() -> None:
    # "Ache - see Pain"; "Abdominalgia - see Pain, abdominal"
    assert first("abdominalgia lower right quadrant") == "R10.31"


def test_neoplasm_table_by_site_and_behaviour() -> None:
    assert first("metastatic cancer to liver") == "C78.7"
    assert first("benign neoplasm of thyroid") == "D34"
    assert first("adenocarcinoma of lung") == "C34.90"  # "see Neoplasm, malignant, by site"


def test_drug_table_by_substance_and_intent() -> None:
    assert first("adverse effect of aspirin") == "T39.015A"
    assert first("underdosing of insulin") == "T38.3X6A"
    assert first("flutazolam poisoning by undetermined intent sqla") == "T42.4X4S"


def test_combination_code_from_with() -> None:
    assert first("DM2 with CKD") == "E11.22"
    assert first("hypertension with heart failure") == "I11.0"
    assert first("pneumonia due to staph aureus") == "J15.211"


def test_unstated_acute_or_chronic_is_not_added() -> None:
    assert first("bronchitis") == "J40"
    assert first("sinusitis") == "J32.9"


def test_every_suggestion_is_billable_in_the_vintage() -> None:
    info = icd10cm.vintages()[-1]
    vintage = icd10cm.load(info)
    for text in ("fracture femur", "pneumonia", "adverse effect of aspirin", "neoplasm lung"):
        for code in codes(text, 20):
            assert vintage.codes[code][0], code


# --- confidence ----------------------------------------------------------------------------


def test_tie_is_not_trusted() -> None:
    # J18.9 and J18.8 match "pneumonia" equally: neither may be filled
    found = sg.suggest("pneumonia", top=2)
    assert found[0].score < sg.FILL_MIN_SCORE
    assert found[0].check.startswith("check the Index")
    assert sg.suggest("history of breast cancer", top=1)[0].score >= sg.FILL_MIN_SCORE


def test_low_score_says_check_the_index_with_the_path() -> None:
    low = [s for s in sg.suggest("superfic laceration of scalp", top=5) if s.check]
    assert low
    assert any("under Laceration" in s.check or "under " in s.check for s in low)
    assert all(s.to_json()["check"] == s.check for s in low)


def test_sequela_after_a_without_scope_still_counts() -> None:
    # "without disruption of pelvic ring" negates that phrase, not the encounter word after it
    text = "multiple fracture of pelvis without disruption of pelvic ring sequela"
    assert first(text) == "S32.82XS"
    assert first("migraine without aura") == "G43.009"
