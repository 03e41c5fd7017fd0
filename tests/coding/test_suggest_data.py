"""The curated suggestion data: parseable, one meaning per abbreviation, coding words."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.coding.suggest import icd10cm_index
from addin.coding.suggest.query import (
    _read_knowledge,
    _tokens,
    data_dir,
    knowledge,
    parse,
    read_table,
    rewrite,
)
from addin.errors import CodeSetError


def test_each_abbreviation_has_one_billing_meaning() -> None:
    rows = read_table(data_dir() / "abbreviations.tsv")
    assert len(rows) >= 150
    keys = [phrase.lower() for phrase, _ in rows]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert dupes == []
    assert [p for p, meanings in rows if len(meanings) != 1] == []


@pytest.mark.parametrize("name", ["abbreviations.tsv", "terms.tsv"])
def test_every_meaning_uses_words_the_code_titles_use(name: str) -> None:
    """A meaning none of whose words occurs in any title or inclusion term is a typo.

    (Meanings made only of connectors, such as w/ -> with, carry no stems to check.)
    """
    idf = icd10cm_index().idf
    unknown = [
        (phrase, meaning)
        for phrase, meanings in read_table(data_dir() / name)
        for meaning in meanings
        if _tokens(meaning) and not any(t in idf for t in _tokens(meaning))
    ]
    assert unknown == []


def test_abbreviations_are_whole_words_and_slashes_are_text() -> None:
    know = knowledge()
    assert rewrite("HTN", know) == ["hypertension"]
    assert rewrite("h/o CVA", know) == ["history", "of", "cerebral", "infarction"]
    # "pad" inside a word is not PAD
    assert "peripheral" not in rewrite("padding", know)


def test_terms_keep_the_original_words_as_an_alternative() -> None:
    slots = parse("heart attack")
    assert len(slots) == 1
    assert ("acut", "myocardi", "infarct") in slots[0].alts
    assert ("heart", "attack") in slots[0].alts


def test_a_malformed_data_row_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "abbreviations.tsv").write_text("htn\thypertension\nbroken-row\n")
    (tmp_path / "terms.tsv").write_text("")
    with pytest.raises(CodeSetError, match=r"abbreviations.tsv line 2"):
        _read_knowledge(tmp_path)
