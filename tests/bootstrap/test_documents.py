"""``DocumentRetriever``: the catalogue RAG's tiny retriever over text files."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgine.bootstrap import DocumentRetriever, DocumentsError

TIDES = """# Tides

The Moon pulls the sea into two bulges, so most coasts see two high tides a day.

High tide comes every 12 hours 25 minutes; the Sun makes spring and neap tides.
"""


def notes(folder: Path) -> Path:
    (folder / "sub").mkdir()
    (folder / "tides.md").write_text(TIDES)
    (folder / "sub" / "bread.txt").write_text("Bake bread at 230 C.\nThe sea salt goes in last.\n")
    (folder / "code.py").write_text("tides = 'not a text file'\n")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "tides.md").write_text("High tide secret.\n")
    (folder / "node_modules").mkdir()
    (folder / "node_modules" / "tides.md").write_text("High tide vendored.\n")
    (folder / "latin1.txt").write_bytes("Tide caf\xe9".encode("latin-1"))
    return folder


def test_a_folder_is_searched_for_text_files_cut_into_passages_at_blank_lines(
    tmp_path: Path,
) -> None:
    documents = DocumentRetriever([notes(tmp_path)])
    assert [p.relative_to(tmp_path).as_posix() for p in documents.files] == [
        "sub/bread.txt",
        "tides.md",
    ]
    assert documents.skipped == 1  # latin1.txt is not UTF-8
    assert [(p.source, p.content) for p in documents.passages] == [
        ("sub/bread.txt:1", "Bake bread at 230 C.\nThe sea salt goes in last."),
        ("tides.md:1", "# Tides\nThe Moon pulls the sea into two bulges, so most coasts see "
                       "two high tides a day."),
        ("tides.md:5", "High tide comes every 12 hours 25 minutes; the Sun makes spring and "
                       "neap tides."),
    ]  # fmt: skip


def test_passages_are_ranked_by_the_words_they_share_rare_ones_counting_more(
    tmp_path: Path,
) -> None:
    documents = DocumentRetriever([notes(tmp_path)])
    found = documents.search("When is high tide, and why?")
    assert [hit["source"] for hit in found] == ["tides.md:5", "tides.md:1"]
    assert found[0]["content"].startswith("High tide comes every")
    # "sea" is in two passages, "salt" in one: the rarer word decides
    assert documents.search("sea salt")[0]["source"] == "sub/bread.txt:1"
    assert documents.search("the and of") == []  # nothing but common words
    assert documents.search("quantum") == []


def test_a_file_is_read_whatever_its_suffix_long_paragraphs_are_cut(tmp_path: Path) -> None:
    log = tmp_path / "diary.log"
    log.write_text(" ".join(f"word{n}" for n in range(100)))
    documents = DocumentRetriever([log], passage_chars=100, limit=2)
    assert all(len(p.content) <= 100 for p in documents.passages)
    assert " ".join(p.content for p in documents.passages).split() == [
        f"word{n}" for n in range(100)
    ]
    assert {p.source for p in documents.passages} == {f"{log}:1"}
    assert len(documents.search("word1 word2 word3 word4 word50 word99")) == 2


def test_paths_that_do_not_exist_or_hold_no_text_are_errors_that_say_so(
    tmp_path: Path,
) -> None:
    with pytest.raises(DocumentsError, match="no such file or folder: 'nowhere'"):
        DocumentRetriever(["nowhere"])
    (tmp_path / "code.py").write_text("x = 1\n")
    with pytest.raises(DocumentsError, match=r"no text to search in .*\.md, \.txt, \.rst files"):
        DocumentRetriever([tmp_path])
