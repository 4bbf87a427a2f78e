"""The content-keyed caches: a cached load equals a fresh one, and a broken cache only costs time."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagnose.cache import (
    KNOWLEDGE_ENTRIES,
    NO_CACHES,
    OUTPUT_ENTRIES,
    TEMPLATE_ENTRIES,
    Caches,
    current_caches,
    digest_tree,
    prune,
    use_caches,
)
from diagnose.knowledge import Entry, clear_caches, load_knowledge
from diagnose.knowledge._cache import recall, remember
from diagnose.knowledge.templating import template_names

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    before = current_caches()
    use_caches(Caches(tmp_path))
    clear_caches()
    yield tmp_path
    use_caches(before)
    clear_caches()


def test_cached_load_equals_a_fresh_load(cache: Path) -> None:
    first = load_knowledge()
    assert list((cache / "knowledge").glob("*.json")), "clean files are remembered"
    clear_caches()
    second = load_knowledge()
    use_caches(NO_CACHES)
    clear_caches()
    fresh = load_knowledge()
    assert first.entries() == second.entries() == fresh.entries()


def _parsed_reads(entry: Entry) -> frozenset[str]:
    """What ``Entry.reads`` means, found the slow way: every live condition and template parsed."""
    names: set[str] = set()
    templates = [*entry.escalation.when, *entry.escalation.send]
    for cause in entry.causes:
        if cause.retired:
            continue
        names |= cause.names
        templates += [cause.confirmed_because, cause.ruled_out_because, cause.check.console, cause.check.api]
        templates += [*cause.verify, *cause.prevention]
        for step in cause.fix:
            templates += [step.text, step.console, step.api]
            names |= step.when.names if step.when is not None else set()
    for remark in entry.remarks:  # said whatever the cause: their facts bear on the report too
        names |= remark.when.names
        templates.append(remark.text)
        for step in remark.fix:
            templates += [step.text, step.console, step.api]
            names |= step.when.names if step.when is not None else set()
    for template in templates:
        names |= template_names(template)
    return frozenset(names)


def test_the_facts_an_entry_reads_come_from_the_check_and_the_cache_without_parsing(cache: Path) -> None:
    checked = {entry.code: entry.reads for entry in load_knowledge().entries()}
    clear_caches()
    template_names.cache_clear()
    recalled = load_knowledge().entries()
    assert template_names.cache_info().currsize == 0, "a load from the cache parses no template"
    for entry in recalled:
        assert entry.reads == checked[entry.code] == _parsed_reads(entry)
        assert {"country", "account_sid"} & entry.reads or entry.code not in (21408, 21215)


def test_the_country_data_is_recalled_by_content_without_importing_yaml(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "from diagnose.cache import caches_from_env, use_caches\n"
        "use_caches(caches_from_env(os.environ))\n"
        "from diagnose.countries import country_data\n"
        "data = country_data()\n"
        "print('yaml' in sys.modules, len(data.messaging_high_risk.codes), sorted(data.not_allowed.codes))\n"
    )
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env) for _ in "ab"]
    cold, warm = (run.stdout.split(" ", 1) for run in runs)
    assert cold[0] == "True" and warm[0] == "False", [run.stderr for run in runs]
    assert cold[1] == warm[1] and "'IR'" in warm[1]


def test_a_warm_load_reads_no_error_index_and_recalls_the_cross_file_warnings(cache: Path, tmp_path: Path) -> None:
    from diagnose.knowledge import _index

    folder = tmp_path / "mine"
    folder.mkdir()
    source = (ROOT / "tests" / "data" / "knowledge" / "valid" / "21408.yaml").read_text()
    (folder / "21408.yaml").write_text(source.replace("title: ", "title: Not Twilio's title. ", 1))
    fresh = load_knowledge([folder]).problems
    assert any("title differs" in p.message for p in fresh)
    clear_caches()
    _index._rows.cache_clear()
    assert load_knowledge([folder]).problems == fresh  # remembered, with their files and lines
    load_knowledge().get(21408)
    assert _index._rows.cache_info().currsize == 0, "nothing read the index of every Twilio code"


def test_an_entry_s_templates_are_compiled_into_one_cache_file_and_render_the_same(tmp_path: Path) -> None:
    import shutil

    script = (
        "import os\n"
        "from diagnose.cache import caches_from_env, use_caches\n"
        "use_caches(caches_from_env(os.environ))\n"
        "from diagnose.knowledge import load_knowledge\n"
        "from diagnose.render import render_explain\n"
        "print(render_explain(load_knowledge().get(21408), 'text'))\n"
    )

    def explain(cache: str) -> str:
        env = {**os.environ, "DIAGNOSE_CACHE_DIR": cache}
        return subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        ).stdout

    uncached, cold = explain("off"), explain(str(tmp_path / "a"))
    # Checked knowledge in the cache, compiled templates not: what rendering alone writes.
    (tmp_path / "b").mkdir(mode=0o700)
    shutil.copytree(tmp_path / "a" / "knowledge", tmp_path / "b" / "knowledge")
    warm = explain(str(tmp_path / "b"))
    assert uncached == cold == warm == explain(str(tmp_path / "b")) and "<country_name>" in warm
    files = list((tmp_path / "b" / "templates").iterdir())
    assert len(files) == 2, files  # explain.txt.j2, and the entry's ~90 templates as one set (not one file each)


def test_a_corrupt_cache_entry_is_ignored(cache: Path) -> None:
    load_knowledge()
    for path in (cache / "knowledge").glob("*.json"):
        path.write_text("{not json")
    clear_caches()
    assert load_knowledge().get(21408) is not None


def test_an_edited_file_is_checked_again(cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    source = ROOT / "tests" / "data" / "knowledge" / "valid" / "21408.yaml"
    (folder / "21408.yaml").write_text(source.read_text())
    assert load_knowledge([folder]).get(21408) is not None
    broken = source.read_text().replace("messaging_enabled == false", "messaging_enabled ==")
    (folder / "21408.yaml").write_text(broken)
    with pytest.raises(Exception) as caught:
        load_knowledge([folder])
    assert "21408.yaml" in str(caught.value)


def test_remember_refuses_data_json_would_change(cache: Path) -> None:
    remember(b"x", "1.yaml", {"a": (1, 2)})  # a tuple would come back as a list
    assert recall(b"x", "1.yaml") is None
    remember(b"y", "1.yaml", {"a": [1, 2]})
    assert recall(b"y", "1.yaml") == {"a": [1, 2]}


def test_unwritable_cache_dir_still_works(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(blocker / "cache"), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", "explain", "21408"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0 and "missing-country" in proc.stdout


def test_every_file_in_the_cache_key_exists() -> None:
    from diagnose.knowledge._cache import salt_sources

    sources = salt_sources()
    assert [p for p in sources if not p.is_file()] == []  # a moved checker would silently stop invalidating
    assert "schema.json" in {p.name for p in sources}


# --- the cache is not a way in ---------------------------------------------------------

RENDER = (
    # The edge hands the caches in, as the command line does; then the core renders.
    "import os; from diagnose.cache import caches_from_env, use_caches; use_caches(caches_from_env(os.environ));"
    "from diagnose.knowledge.templating import render_template;"
    "print(render_template('Enable {{ country_name }} ({{ country }})', {'country': 'IN', 'country_name': 'India'}))"
)


def _render_in_a_fresh_process(cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", RENDER], env=env, capture_output=True, text=True, timeout=120)


def _plant(folder: Path, marker: Path) -> int:
    """Replace every compiled template in ``folder`` with one whose loading creates ``marker``."""
    import pickle

    from jinja2.bccache import bc_magic

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    planted = 0
    for path in folder.glob("*.cache"):
        path.write_bytes(bc_magic + pickle.dumps(Payload()))
        planted += 1
    return planted


def test_the_cache_folder_is_created_private(tmp_path: Path) -> None:
    cache = tmp_path / "new" / "diagnose"
    result = _render_in_a_fresh_process(cache)
    assert result.returncode == 0 and result.stdout.strip() == "Enable India (IN)", result.stderr
    for folder in (cache, cache / "templates"):
        assert folder.stat().st_mode & 0o777 == 0o700, oct(folder.stat().st_mode)
    assert list((cache / "templates").glob("*.cache")), "a private folder is used"


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_planted_file_in_a_folder_others_can_write_is_never_loaded(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    assert _render_in_a_fresh_process(cache).returncode == 0  # fills the cache
    marker = tmp_path / "pwned"
    assert _plant(cache / "templates", marker) >= 1
    for folder in (cache, cache / "templates"):
        folder.chmod(0o777)  # e.g. a cache folder under a shared /tmp
    result = _render_in_a_fresh_process(cache)
    assert not marker.exists(), "a file planted in the cache ran code"
    assert result.returncode == 0 and result.stdout.strip() == "Enable India (IN)"
    (warning,) = result.stderr.strip().splitlines()
    assert "not using the cache folder" in warning and "other users can write to it" in warning


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_group_writable_subfolder_is_refused_too(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    assert _render_in_a_fresh_process(cache).returncode == 0
    marker = tmp_path / "pwned"
    _plant(cache / "templates", marker)
    (cache / "templates").chmod(0o770)
    result = _render_in_a_fresh_process(cache)
    assert not marker.exists()
    assert "templates" in result.stderr and "other users can write" in result.stderr


@pytest.mark.parametrize(
    ("part", "bound"), [("knowledge", KNOWLEDGE_ENTRIES), ("templates", TEMPLATE_ENTRIES), ("outputs", OUTPUT_ENTRIES)]
)
def test_a_cache_folder_full_of_old_entries_is_pruned_oldest_first(tmp_path: Path, part: str, bound: int) -> None:
    """Content keys never replace an entry: without pruning, every upgrade or edit would grow the folder."""
    folder = tmp_path / "cache" / part
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(tmp_path / "cache", 0o700)
    for i in range(bound + 10):
        stale = folder / f"stale-{i:05d}"
        stale.write_bytes(b"x")
        os.utime(stale, (1_000_000 + i, 1_000_000 + i))  # older than anything written now
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "diagnose", "explain", "21408"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) <= bound
    assert "stale-00000" not in left  # the oldest went first…
    assert any(not name.startswith("stale-") for name in left)  # …and what this run wrote stayed


def test_prune_keeps_the_newest_three_quarters(tmp_path: Path) -> None:
    for i in range(9):
        (tmp_path / f"f{i}").write_bytes(b"")
        os.utime(tmp_path / f"f{i}", (i, i))
    prune(tmp_path, 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"f{i}" for i in range(3, 9)]
    prune(tmp_path, 8)  # within the bound: nothing more goes
    assert len(list(tmp_path.iterdir())) == 6
    prune(tmp_path / "missing", 1)  # a folder that is gone only costs time


# --- explain's rendered output --------------------------------------------------------


def _explain(
    cache: Path | str, *args: str, importtime: bool = False, stdin: int | None = None, stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIAGNOSE_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "diagnose", "explain", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _imported(stderr: str) -> set[str]:
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize(
    "args",
    [
        ("21408",),
        ("21408", "--color", "always"),
        ("13227", "--format", "html"),
        ("21215", "--format", "markdown"),
        ("32205", "--format", "json"),
        ("30003",),
    ],
)
def test_a_repeated_explain_prints_its_remembered_output_without_rendering(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    fresh = _explain("off", *args)
    first = _explain(tmp_path, *args)
    assert fresh.returncode == first.returncode == 0, first.stderr
    assert len(list((tmp_path / "outputs").glob("*.txt"))) == 1
    second = _explain(tmp_path, *args, importtime=True)
    assert second.returncode == 0
    assert second.stdout == first.stdout == fresh.stdout  # byte for byte what a render prints
    imported = _imported(second.stderr)
    assert "diagnose.knowledge._files" in imported  # the import log is read, and the output was looked up
    assert not {"jinja2", "yaml", "diagnose.knowledge._loader", "diagnose.render"} & imported
    assert (tmp_path / "outputs").stat().st_mode & 0o777 == 0o700


def test_each_format_colour_and_code_is_its_own_output(tmp_path: Path) -> None:
    outputs = set()
    for args in (("21408",), ("21408", "--color", "always"), ("21408", "--format", "markdown"), ("21215",)):
        proc = _explain(tmp_path, *args)
        assert proc.returncode == 0
        outputs.add(proc.stdout)
    assert len(outputs) == 4
    assert len(list((tmp_path / "outputs").glob("*.txt"))) == 4


def test_an_edited_knowledge_file_is_explained_anew(tmp_path: Path) -> None:
    """The key holds the bytes of every file the loader reads: an edit of the same size is seen too."""
    layer = tmp_path / "mine"
    layer.mkdir()
    original = (ROOT / "knowledge" / "21408.yaml").read_text(encoding="utf-8")
    assert "Messaging Geo Permissions" in original
    (layer / "21408.yaml").write_text(original, encoding="utf-8")
    cache = tmp_path / "cache"
    before = _explain(cache, "21408", "--knowledge", str(layer))
    assert before.returncode == 0 and "Messaging Geo Permissions" in before.stdout
    (layer / "21408.yaml").write_text(original.replace("Messaging Geo Permissions", "Messaging Geo Permissionz"))
    after = _explain(cache, "21408", "--knowledge", str(layer))
    assert after.returncode == 0 and "Messaging Geo Permissionz" in after.stdout
    assert "Messaging Geo Permissions" not in after.stdout
    (layer / "21408.yaml").write_text("code: 21408\ntitle: [broken", encoding="utf-8")
    broken = _explain(cache, "21408", "--knowledge", str(layer))
    assert broken.returncode == 2 and broken.stdout == ""  # an error is never remembered, nor hidden
    assert _explain(cache, "21408").stdout == _explain("off", "21408").stdout  # the built-in one is its own key


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_planted_output_in_a_folder_others_can_write_is_never_printed(tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    honest = _explain(cache, "21408")
    assert honest.returncode == 0
    (remembered,) = (cache / "outputs").glob("*.txt")
    remembered.write_text("\x1b]0;planted\x07 run this", encoding="utf-8")
    assert "planted" in _explain(cache, "21408").stdout  # a private folder is the user's own: it is trusted
    (cache / "outputs").chmod(0o777)
    result = _explain(cache, "21408")
    assert result.returncode == 0 and result.stdout == honest.stdout
    assert "not using the cache folder" in result.stderr and "other users can write" in result.stderr


def test_the_digest_of_a_tree_sees_every_byte_and_skips_compiled_files(tmp_path: Path) -> None:
    def digest() -> str:
        import hashlib

        h = hashlib.sha256()
        digest_tree(lambda part: h.update(len(part).to_bytes(8, "big") + part), tmp_path)
        return h.hexdigest()

    (tmp_path / "render" / "templates").mkdir(parents=True)
    (tmp_path / "render" / "templates" / "explain.text.j2").write_text("{{ v.title }}")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"1")
    empty = digest()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"2")
    assert digest() == empty  # bytecode is a product of the sources, which are in the key
    (tmp_path / "render" / "templates" / "explain.text.j2").write_text("{{ v.titlf }}")
    assert digest() != empty
    (tmp_path / "render" / "templates" / "explain.text.j2").write_text("{{ v.title }}")
    assert digest() == empty
    (tmp_path / "render" / "templates" / "new.j2").write_text("")
    assert digest() != empty  # a new, empty file is a change
