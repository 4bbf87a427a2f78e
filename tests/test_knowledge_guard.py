"""Knowledge guard: every built-in knowledge file, checked as a whole (ansible-lint / rustc tidy style).

Skips while no built-in file exists yet; once one does, every check is strict.
"""

from __future__ import annotations

import re

import pytest

from diagnose._data import COUNTRY_FILE, WORDING_FILE
from diagnose.facts import FACTS
from diagnose.knowledge import BUILTIN_DIR, Entry, lint_paths, load_knowledge, lookup_error
from diagnose.knowledge.templating import check_template
from tests.shared import REQUIRED_CAUSES

BUILTIN_FILES = sorted(p for p in BUILTIN_DIR.glob("*.yaml") if p.name not in (COUNTRY_FILE, WORDING_FILE))
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

pytestmark = pytest.mark.skipif(not BUILTIN_FILES, reason="no built-in knowledge files yet")


@pytest.fixture(scope="module")
def entries() -> dict[int, Entry]:
    kb = load_knowledge([BUILTIN_DIR], include_builtin=False)  # always read from disk, never the cache
    return {entry.code: entry for entry in kb.entries()}


def test_every_builtin_file_passes_lint() -> None:
    errors = [p for p in lint_paths([BUILTIN_DIR]) if p.severity == "error"]
    assert errors == [], "\n".join(map(str, errors))


def test_file_names_are_codes() -> None:
    for path in BUILTIN_FILES:
        assert path.stem.isdigit(), path


@pytest.mark.parametrize("code", sorted(REQUIRED_CAUSES))
def test_required_causes_exist(entries: dict[int, Entry], code: int) -> None:
    entry = entries.get(code)
    assert entry is not None, f"no built-in knowledge for {code}"
    active = {c.id for c in entry.causes if not c.retired}
    missing = REQUIRED_CAUSES[code] - active
    assert not missing, f"{code} lacks causes {sorted(missing)}"


def test_cause_ids(entries: dict[int, Entry]) -> None:
    for entry in entries.values():
        ids = [c.id for c in entry.causes]
        assert len(ids) == len(set(ids)), f"{entry.code}: duplicate cause ids"
        for cause_id in ids:
            assert ID_PATTERN.match(cause_id) and 4 <= len(cause_id) <= 40, f"{entry.code}/{cause_id}"


def test_causes_name_only_registered_facts(entries: dict[int, Entry]) -> None:
    for entry in entries.values():
        for cause in entry.causes:
            if cause.retired:
                continue
            names = set(cause.names)
            for step in cause.fix:
                if step.when is not None:
                    names |= step.when.names
            assert names <= FACTS.keys(), f"{entry.code}/{cause.id}: {sorted(names - FACTS.keys())}"
            templates = [cause.confirmed_because, cause.ruled_out_because, cause.check.console, cause.check.api]
            templates += [t for step in cause.fix for t in (step.text, step.console, step.api)]
            templates += [*cause.verify, *cause.prevention]
            for template in templates:
                assert check_template(template) == [], f"{entry.code}/{cause.id}: {template!r}"


def test_active_causes_are_complete(entries: dict[int, Entry]) -> None:
    for entry in entries.values():
        for cause in entry.causes:
            if cause.retired:
                continue
            where = f"{entry.code}/{cause.id}"
            assert cause.explanation and cause.confirmed_because and cause.ruled_out_because, where
            assert cause.fix, f"{where} has no fix steps"
            assert cause.check.console or cause.check.api, f"{where} has no check"


def test_titles_and_levels_match_the_error_index(entries: dict[int, Entry]) -> None:
    for entry in entries.values():
        known = lookup_error(entry.code)
        if known is None:
            continue
        assert entry.title == known.message, entry.code
        assert entry.log_level == known.log_level, entry.code
        assert entry.docs_url, entry.code


def test_references_are_dated(entries: dict[int, Entry]) -> None:
    for entry in entries.values():
        assert entry.references, f"{entry.code} has no references"
        for reference in entry.references:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", reference.checked), (entry.code, reference)


def test_builtin_default_load_matches(entries: dict[int, Entry]) -> None:
    assert load_knowledge().codes() == sorted(entries)
