"""Suggestion engine: conventions a coder applies, the vintage rules, and the index files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from addin.codesets import icd10cm, lookup
from addin.coding.suggest import Suggestion, suggest
from addin.coding.suggest import index as index_module
from addin.coding.suggest.index import (
    Index,
    build,
    cache_dir,
    index_path,
    load_file,
    load_or_build,
    save,
    shipped_dir,
)
from addin.coding.suggest.query import parse
from addin.errors import CodeSetError, CodeSetNotLoaded, InputError


def codes(text: str, top: int = 5) -> list[str]:
    return [s.code for s in suggest(text, top=top)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HTN", "I10"),
        ("DM2 w/ neuropathy", "E11.40"),
        ("T2DM uncontrolled", "E11.65"),
        ("hypertension with CKD stage 4", "I12.9"),
        ("annual wellness visit", "Z00.00"),
        ("flu shot", "Z23"),
        ("acute otitis media right ear", "H66.91"),
        ("heart attack", "I21.9"),
        ("toenail fungus", "B35.1"),
    ],
)
def test_first_suggestion_is_the_coders_pick(text: str, expected: str) -> None:
    assert codes(text)[0] == expected


def test_seventh_character_follows_the_encounter_words() -> None:
    assert codes("left ankle sprain")[0] == "S93.402A"
    assert codes("left ankle sprain follow-up")[0] == "S93.402D"
    assert codes("left ankle sprain subsequent encounter")[0] == "S93.402D"
    assert codes("left ankle sprain sequela")[0] == "S93.402S"


def test_laterality_goes_to_the_code_and_unspecified_only_without_it() -> None:
    assert codes("right knee pain")[0] == "M25.561"
    assert codes("left knee pain")[0] == "M25.562"
    assert codes("tinnitus both ears")[0] == "H93.13"
    assert codes("knee pain")[0] == "M25.569"


def test_every_suggestion_is_billable_in_the_vintage() -> None:
    for text in ("fracture", "diabetes", "otitis", "pregnancy", "screening", "burn"):
        found = suggest(text, top=10)
        assert found, text
        for item in found:
            answer = lookup(item.code)
            assert answer.status == "ok", (text, item.code, answer.message)
            assert answer.description == item.description


def test_scores_are_ordered_and_bounded() -> None:
    found = suggest("type 2 diabetes with hyperglycemia", top=8)
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(found) == 8
    assert isinstance(found[0], Suggestion)
    assert found[0].to_json() == {
        "code": "E11.65",
        "system": "icd10cm",
        "description": "Type 2 diabetes mellitus with hyperglycemia",
        "score": found[0].score,
        "why": found[0].why,
    }


def test_date_of_service_picks_the_vintage_and_refuses_an_uncovered_date() -> None:
    assert codes_on("HTN", date(2026, 3, 1))[0] == "I10"
    with pytest.raises(CodeSetNotLoaded, match=r"FY2024.*codesets import"):
        suggest("HTN", on=date(2024, 1, 15))


def codes_on(text: str, on: date) -> list[str]:
    return [s.code for s in suggest(text, on=on)]


def test_bad_arguments_and_empty_text() -> None:
    assert suggest("   ") == []
    assert suggest("zzqx qqzx") == []
    with pytest.raises(InputError, match="system 'loinc'"):
        suggest("HTN", system="loinc")
    with pytest.raises(InputError, match="top must be 1"):
        suggest("HTN", top=0)


def test_negation_scopes_the_words_after_without() -> None:
    assert codes("concussion without loss of consciousness")[0] == "S06.0X0A"
    slots = parse("cough without fever")
    assert [s.alts[0] for s in slots] == [("cough",), ("no_fever",)]


@pytest.fixture(scope="module")
def fresh() -> Index:
    """One fresh build of the shipped vintage's index, shared by the tests below."""
    shipped = [v for v in icd10cm.vintages() if v.shipped]
    return build(icd10cm.load(shipped[-1]))


def test_index_file_round_trips(tmp_path: Path, fresh: Index) -> None:
    save(fresh, tmp_path / "index.pickle.gz")
    loaded = load_file(tmp_path / "index.pickle.gz")
    assert len(loaded) == len(fresh) > 30000
    assert loaded.idf == fresh.idf
    assert list(loaded.lengths) == list(fresh.lengths)
    for number in (0, len(fresh) // 2, len(fresh) - 1):
        assert loaded.doc(number) == fresh.doc(number)
        assert list(loaded.postings[fresh.doc(number).variants[0][0][0]]) == list(
            fresh.postings[fresh.doc(number).variants[0][0][0]]
        )


def test_shipped_index_is_current_for_the_shipped_vintage(fresh: Index) -> None:
    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    path = index_path(vintage.info)
    if path.parent != shipped_dir():
        pytest.skip(
            f"no shipped suggestion index for the current {vintage.name} files (they changed); "
            "run codesets/suggest/build_suggest_index.py"
        )
    shipped = load_file(path)
    assert len(shipped) == len(fresh)
    assert shipped.idf == fresh.idf


def test_a_missing_index_is_built_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    vintage = icd10cm.vintage_for(None)
    assert vintage is not None
    monkeypatch.setattr(index_module, "shipped_dir", lambda: Path("/nonexistent"))
    assert not index_path(vintage.info).exists()
    built = load_or_build(vintage.info)
    assert index_path(vintage.info).exists()
    assert index_path(vintage.info).parent == cache_dir()
    assert len(built) == len(load_file(index_path(vintage.info)))


def test_a_phrase_is_ranked_once_per_index_and_again_after_reload(monkeypatch):
    """Repeated Diagnosis Text is answered from the ranking already made (a week's phrases
    repeat across thousands of encounters); a reload (a code-set import) ranks afresh."""
    import importlib

    engine = importlib.import_module("addin.coding.suggest")
    engine.reload()
    calls: list[str] = []
    real = engine.rank_hits

    def counted(query, index, k):
        calls.append(index.vintage)
        return real(query, index, k)

    monkeypatch.setattr(engine, "rank_hits", counted)
    first = suggest("DM2 w/ neuropathy", top=3, on=date(2026, 3, 1))
    again = suggest("DM2 w/ neuropathy", top=3, on=date(2026, 3, 1))
    assert again == first and first[0].code == "E11.40"
    assert len(calls) == 1
    assert suggest("DM2 w/ neuropathy", top=1, on=date(2026, 3, 1)) == first[:1]
    assert len(calls) == 2  # another ``top`` is another answer
    engine.reload()
    assert suggest("DM2 w/ neuropathy", top=3, on=date(2026, 3, 1)) == first
    assert len(calls) == 3


def test_an_index_inflated_ahead_loads_as_read_directly(tmp_path: Path) -> None:
    """The batch inflates the index file on a thread while it loads the tabular: the
    index loaded from those bytes is the one read from the file; a file that cannot be
    read is reported by the load, as without the thread."""
    info = icd10cm.vintages()[-1]
    direct = load_file(index_path(info))
    ahead = index_module.inflate_ahead(info)
    ahead.join()
    assert index_path(info) in index_module._inflated
    early = load_file(index_path(info))
    assert index_path(info) not in index_module._inflated  # taken once
    assert (early.keys, early.idf, bytes(early.lengths)) == (
        direct.keys, direct.idf, bytes(direct.lengths),
    )  # fmt: skip
    assert {t: list(p) for t, p in early.postings.items()} == {
        t: list(p) for t, p in direct.postings.items()
    }
    broken = tmp_path / "broken.pickle.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(CodeSetError, match="cannot read the suggestion index"):
        load_file(broken)


def test_a_run_lets_go_of_the_index_it_loaded_and_keeps_one_loaded_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's suggest step loads the vintage's index (about 65 MB) and lets it go after:
    nothing later in the run suggests. A host that had it loaded (Excel's UDFs, a batch's
    workers) keeps it, with the answers already ranked."""
    import importlib

    from addin import runs
    from addin.demo.workbook import build_demo_workbook

    engine = importlib.import_module("addin.coding.suggest")
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data"))
    book = build_demo_workbook(tmp_path / "clinic.xlsx", 40, seed=11)
    engine.reload()
    loaded: list[frozenset[object]] = []
    real = engine.forget_loaded_since

    def seen(before):  # what the suggest step had loaded when it finished
        loaded.append(engine.loaded())
        real(before)

    monkeypatch.setattr(runs, "forget_indexes_since", seen)
    runs.run(book, today=date(2026, 10, 30), steps=("suggest",), write=False)
    assert loaded and loaded[0]  # the step loaded an index...
    assert not engine.loaded()  # ...and let it go
    suggest("DM2 w/ neuropathy", on=date(2026, 3, 1))
    kept = engine.loaded()
    answers = dict(engine._answers)
    runs.run(book, today=date(2026, 10, 30), steps=("suggest",), write=False)
    assert engine.loaded() == kept and kept  # loaded before the run: kept
    assert answers.items() <= engine._answers.items()


def test_many_runs_in_one_process_keep_the_index_they_load(tmp_path: Path, monkeypatch) -> None:
    """A batch's worker (run_task) and the demo run workbook after workbook: inside
    keep_indexes() the first run's index stays for the next."""
    import importlib

    from addin import runs
    from addin.demo.workbook import build_demo_workbook
    from addin.runs.parallel import Task, run_task

    engine = importlib.import_module("addin.coding.suggest")
    monkeypatch.setenv("CLAIMBOOK_DATA_DIR", str(tmp_path / "data"))
    book = build_demo_workbook(tmp_path / "clinic.xlsx", 40, seed=11)
    engine.reload()
    with runs.keep_indexes():
        runs.run(book, today=date(2026, 10, 30), steps=("suggest",), write=False)
        assert engine.loaded()
    engine.reload()
    done = run_task(Task(0, str(book), (), (), date(2026, 10, 30), None, datetime(2026, 10, 30)))
    assert done.error is None and done.figures is not None
    assert engine.loaded()  # the worker's next clinic finds it loaded
