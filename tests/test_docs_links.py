"""Every pointer into ``docs/`` leads somewhere, and nothing cites a document the repository does not have.

A maintainer has only the repository. A docstring or comment that says ``docs/salesforce.md#soql``, and a page
that links ``[Ids](salesforce.md#ids)``, must name a file that exists and a heading in it, its anchor made as
GitHub makes one. The notes vmsync was first designed from are not in the repository, so citing them (by file
name, by section sign, or as the design notes' decisions) fails here: the fact belongs in ``docs/``, cited from there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

THIS_FILE = Path(__file__).resolve()  # not searched: it plants broken pointers and names the outside documents
ROOT = THIS_FILE.parents[1]
DOCS = ROOT / "docs"
SOURCE_DIRS = ("lib", "tests", "bench", "notebooks")
PAGES = (ROOT / "README.md", ROOT / "bench" / "README.md", *sorted(DOCS.glob("*.md")))
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".txt", ".toml", ".cfg", ".ini", ".json", ".yaml", ".yml"}

DOC_REF = re.compile(r"\bdocs/([\w-]+\.md)(?:#([\w-]+))?")
MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
OUTSIDE_NAMES = (r"salesforce-api\.md|vms-salesforce\.md|stack-feasibility|vms-virtual-import|peers\.md"
                 r"|prefect-dask\.md|\bDESIGN(?:\.md|'s)|\breference/[\w-]+\.md|\bquirk \d")
OUTSIDE_IN_PAGES = re.compile(OUTSIDE_NAMES)
OUTSIDE_IN_SOURCES = re.compile(OUTSIDE_NAMES + "|§")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, lower-cased, punctuation but ``-`` and ``_`` dropped,
    each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def outside_code(text: str) -> Iterator[tuple[int, str]]:
    """The numbered lines of a Markdown page that are not in a fenced code block."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings (a repeated heading gets ``-1``, ``-2``, ...) and explicit anchors."""
    found, seen = set(), {}
    for _, line in outside_code(page.read_text()):
        if m := HEADING.match(line):
            base = slug(m.group(2))
            found.add(f"{base}-{seen[base]}" if base in seen else base)
            seen[base] = seen.get(base, 0) + 1
        found.update(HTML_ANCHOR.findall(line))
    return found


def target_problem(page: Path, anchor: str | None) -> str | None:
    """What is wrong with a pointer to ``page`` (and ``anchor`` in it), or None."""
    if not page.is_file():
        return "no such file"
    if anchor and page.suffix == ".md" and anchor not in anchors(page):
        return f"no heading with the anchor #{anchor}"
    return None


def doc_ref_problems(text: str) -> Iterator[tuple[int, str, str]]:
    """``(line, reference, problem)`` for each ``docs/<page>.md[#anchor]`` in ``text`` that leads nowhere."""
    for number, line in enumerate(text.splitlines(), 1):
        for m in DOC_REF.finditer(line):
            if problem := target_problem(DOCS / m.group(1), m.group(2)):
                yield number, m.group(0), problem


def link_problems(page: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """``(line, target, problem)`` for each relative Markdown link of ``page`` that leads nowhere."""
    for number, line in outside_code(text):
        for target in MD_LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
                continue
            path, _, anchor = target.partition("#")
            if problem := target_problem((page.parent / path).resolve() if path else page, anchor or None):
                yield number, target, problem


def source_files() -> Iterator[Path]:
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            parts = path.relative_to(ROOT).parts
            if path.suffix in TEXT_SUFFIXES and path.is_file() and path != THIS_FILE and not any(
                    p == "__pycache__" or p.endswith(".egg-info") or p.startswith(".") for p in parts):
                yield path


def where(path: Path, number: int) -> str:
    return f"{path.relative_to(ROOT)}:{number}"


def test_slugs_are_githubs():
    assert slug("Login URL") == "login-url"
    assert slug("Student participation") == "student-participation"
    assert slug("Places (`store/model/places.py`): Where things happen: districts, schools.") == \
        "places-storemodelplacespy-where-things-happen-districts-schools"
    assert slug("See [Ids](salesforce.md#ids) and `Id_18`") == "see-ids-and-id_18"


def test_the_checks_catch_what_they_are_for(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n## Odd rows\n\n## Odd rows\n\n```\n# not a heading\n```\n")
    assert anchors(page) == {"page", "odd-rows", "odd-rows-1"}
    text = "[a](page.md#odd-rows-1) [b](#page) [c](page.md#not-a-heading) [d](missing.md) [e](https://x.org/y.md)"
    assert [target for _, target, _ in link_problems(page, text)] == ["page.md#not-a-heading", "missing.md"]
    text = "docs/salesforce.md#soql, docs/salesforce.md#no-such-heading, docs/no-such-page.md"
    assert [ref for _, ref, _ in doc_ref_problems(text)] == ["docs/salesforce.md#no-such-heading",
                                                             "docs/no-such-page.md"]
    assert OUTSIDE_IN_SOURCES.search("(reference §3.6)") and OUTSIDE_IN_SOURCES.search("Follows " + "DESIGN" + "'s decisions")
    assert not OUTSIDE_IN_SOURCES.search("a reference field, the reference run, a design change")


def test_every_docs_reference_leads_to_a_page_and_heading():
    problems = [f"{where(path, number)}: {ref}: {problem}"
                for path in (*source_files(), *PAGES)
                for number, ref, problem in doc_ref_problems(path.read_text())]
    assert not problems, "\n".join(problems)


def test_every_relative_link_of_the_pages_leads_to_a_page_and_heading():
    problems = [f"{where(page, number)}: ({target}): {problem}"
                for page in PAGES for number, target, problem in link_problems(page, page.read_text())]
    assert not problems, "\n".join(problems)


def test_nothing_cites_documents_outside_the_repository():
    found = [f"{where(path, number)}: {line.strip()}"
             for paths, pattern in ((source_files(), OUTSIDE_IN_SOURCES), (PAGES, OUTSIDE_IN_PAGES))
             for path in paths
             for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not found, "cite docs/ instead:\n" + "\n".join(found)
