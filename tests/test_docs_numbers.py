"""The README's and docs/results.md's numbers are what the generator writes from the committed
result files (docs/data/tables.json): no number in them is typed by hand."""
import os

import pytest

from minregion.reproduce import docs_numbers

pytestmark = pytest.mark.house

# The reference tree's README holds the headline; the student tree's README (which is
# course/student_README.md, not shipped there under that name) holds no results.
REFERENCE = os.path.isfile(os.path.join(docs_numbers.ROOT, "course", "student_README.md"))
CHECKED = [d for d in docs_numbers.DOCUMENTS if REFERENCE or d != "README.md"]


@pytest.mark.parametrize("name", CHECKED)
def test_the_documents_hold_exactly_the_generated_numbers(name):
    blocks = docs_numbers.generate(docs_numbers.load())
    with open(os.path.join(docs_numbers.ROOT, name)) as fh:
        text = fh.read()
    found = [m.group(2) for m in docs_numbers.BLOCK.finditer(text)]
    assert found, f"{name} has no NUMBERS block"
    assert docs_numbers.rewrite(text, blocks) == text, (
        f"{name} differs from docs/data/tables.json: run `make docs`")


def test_every_block_is_in_a_document():
    seen = set()
    for name in CHECKED:
        with open(os.path.join(docs_numbers.ROOT, name)) as fh:
            seen |= {m.group(2) for m in docs_numbers.BLOCK.finditer(fh.read())}
    expected = set(docs_numbers.generate(docs_numbers.load()))
    assert seen == (expected if REFERENCE else
                    expected - {"headline", "headline-claim", "headline-intro"})


def test_a_changed_number_is_caught():
    blocks = docs_numbers.generate(docs_numbers.load())
    with open(os.path.join(docs_numbers.ROOT, "docs", "results.md")) as fh:
        text = fh.read()
    forged = text.replace(blocks["table1"], blocks["table1"].replace("e-0", "e-1", 1))
    assert forged != text and docs_numbers.rewrite(forged, blocks) == text


def _plain(text):
    return " ".join(text.replace(">", " ").split())


def test_words_quoted_from_the_abstract_are_in_it():
    """Chapter 8 and docs/results.md quote the paper's abstract: the quotes are its words."""
    import glob
    import json
    import re
    with open(os.path.join(docs_numbers.ROOT, "docs", "SPEC.md")) as fh:
        spec = fh.read()
    abstract = _plain(spec.split("verbatim:", 1)[1].split("\n\n", 2)[1])
    with open(os.path.join(docs_numbers.ROOT, "docs", "results.md")) as fh:
        texts = [fh.read()]
    for path in glob.glob(os.path.join(docs_numbers.ROOT, "tutorials", "*.ipynb")):
        with open(path) as fh:
            texts += ["".join(c["source"]) for c in json.load(fh)["cells"]]
    quotes = [q for t in texts for q in re.findall(r'"([^"]+)"\s*\(its abstract\)', t)]
    assert len(quotes) >= 2                     # chapter 8 and docs/results.md
    for q in quotes:
        assert _plain(q) in abstract, q


def test_an_interrupted_rewrite_leaves_the_document_as_it_was(tmp_path, monkeypatch):
    """`make docs` and `make docs-data` replace a file whole or not at all."""
    doc = tmp_path / "results.md"
    doc.write_text("old text\n")
    docs_numbers.replace_text(str(doc), "new text\n")
    assert doc.read_text() == "new text\n" and os.listdir(tmp_path) == ["results.md"]

    def stopped(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(docs_numbers.os, "replace", stopped)
    with pytest.raises(KeyboardInterrupt):
        docs_numbers.replace_text(str(doc), "half written")
    assert doc.read_text() == "new text\n" and os.listdir(tmp_path) == ["results.md"]


def test_the_longer_protocols_are_read_from_their_folders_or_kept(tmp_path, monkeypatch):
    """`make docs-data` reads results/long and results/cosine when they are there, and keeps
    the numbers docs/data/tables.json holds of them when they are not."""
    import json
    data = docs_numbers.load()
    for p in docs_numbers.LONGER:
        folder = tmp_path / "results" / p
        folder.mkdir(parents=True)
        (folder / "table1.json").write_text(json.dumps(data[p]["1"]))
        (folder / "ext.json").write_text(json.dumps(data[p]["ext"]))
        assert docs_numbers.extract_longer(str(folder)) == data[p]
    committed = tmp_path / "tables.json"
    for p in docs_numbers.LONGER:
        data[p]["kept"] = p                   # only the committed file has this
    committed.write_text(json.dumps(data))
    written = {}
    monkeypatch.setattr(docs_numbers, "DATA", str(committed))
    monkeypatch.setattr(docs_numbers, "extract", lambda results: {"1": data["1"]})
    monkeypatch.setattr(docs_numbers, "replace_text",
                        lambda path, text: written.update(json.loads(text)))
    monkeypatch.setattr(docs_numbers.os.path, "isfile", lambda path: True)
    assert docs_numbers.main(["extract", str(tmp_path / "elsewhere")]) == 0
    assert {p: written[p] for p in docs_numbers.LONGER} == {
        p: data[p] for p in docs_numbers.LONGER}


def _results_text():
    with open(os.path.join(docs_numbers.ROOT, "docs", "results.md")) as fh:
        return " ".join(fh.read().split())


def test_the_words_beside_table3_settings_hold_in_the_data():
    """docs/results.md says in words what the table of Table 3's settings shows, at the two
    budgets the table prints: each statement holds in docs/data/tables.json."""
    s = docs_numbers.load()["settings"]
    at = {T: s["checkpoints"].index(T) for T in (500, 1500)}
    K, T31 = docs_numbers.BASE, docs_numbers.OURS

    def r(method, reading, target, steps):
        return s["cells"][method][reading][target]["at"][at[steps]] / s["paper"][method][target]

    def within(v):
        return 0.5 <= v <= 2

    text = _results_text()
    assert ("Sharing one draw among the runs raises the Kaiming x^11 baseline after 500 steps "
            "and after 1,500.") in text
    assert all(r(K, "shared", "x^11", T) > r(K, "per-run", "x^11", T) for T in at)
    assert "further after 1,500 steps, but not after 500" in text
    assert r(K, "shared", "x^11", 500) > r(K, "grid", "x^11", 500)
    assert r(K, "grid", "x^11", 1500) > r(K, "shared", "x^11", 1500)
    assert "After 500 steps the grid puts the Kaiming baseline within 2x" in text
    assert all(within(r(K, "grid", t, 500)) for t in s["targets"])
    assert not any(all(within(r(K, reading, t, 1500)) for t in s["targets"])
                   for reading in s["cells"][K])
    assert "Theorem 3.1 is measured under the one reading `grid` only." in text
    assert list(s["cells"][T31]) == ["grid"]
    assert all(within(r(T31, "grid", t, T)) for t in ("x^3", "tanh(3x)") for T in at)
    assert not within(r(T31, "grid", "x^11", 500)) and within(r(T31, "grid", "x^11", 1500))
    assert all(r(T31, "grid", "sin(x)", T) < 0.5 for T in at)


def test_the_words_on_regions_after_training_hold_in_the_data():
    """Table 3's 10 points leave Theorem 3.1 fewer pieces than 500 points do on x^3, x^11 and
    tanh(3x), not on sin(x), as docs/results.md says."""
    data = docs_numbers.load()

    def end(table, target):
        return data[table]["regions"][docs_numbers.OURS][target]["end"]["median"]

    dense = {"x^3": "1", "x^11": "1", "sin(x)": "2", "tanh(3x)": "2"}
    lower = [t for t, table in dense.items() if end("3", t) < end(table, t)]
    assert lower == ["x^3", "x^11", "tanh(3x)"]
    quoted = (f"but not on sin(x) ({end('3', 'sin(x)'):.0f} pieces against Table 2's "
              f"{end('2', 'sin(x)'):.0f})")
    assert quoted in _results_text()
