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
