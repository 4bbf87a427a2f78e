"""Load, validate and lint knowledge files.

A knowledge source is a list of *layers*: the built-in folder first, then each
``--knowledge`` folder in order. A later layer overrides a code of an earlier
one. Every file is checked on its own (YAML, schema, code = file name, unique
cause ids, conditions, templates), then ``extends`` is resolved across layers,
then a few warnings that need the whole picture are added (related codes, title
and log level against the error index).

:func:`lint_paths` reports every problem and never raises for bad content;
:func:`load_knowledge` raises :class:`~diagnose.errors.KnowledgeError` for the
first error. Nothing is read until one of them is called.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._data import knowledge_dir
from ..codes import MAX_CODE_DIGITS
from ..conditions import Condition, ConditionSyntaxError, compile_condition, operand_text
from ..errors import KnowledgeError
from ..facts import FACTS
from ._cache import recall, remember
from ._files import code_from_name, layer_paths, read_bounded
from ._index import lookup_error
from ._where import KeyPath, Position, YamlProblem
from .model import (
    Cause,
    Check,
    Entry,
    Escalation,
    FixTemplate,
    KnownWording,
    Reference,
    Remark,
    cause_templates,
    known_wordings,
    remark_templates,
)
from .templating import check_template, template_names

if TYPE_CHECKING:
    from ._yaml import Document

BUILTIN_DIR = knowledge_dir()
"""The folder of the built-in knowledge files (``knowledge/`` at the repository root, or its installed copy)."""

Severity = Literal["error", "warning"]

_NEVER = "false"  # the condition stored for a retired cause that has none


@dataclass(frozen=True)
class Problem:
    """One problem in a knowledge file: where (file, line, key) and what."""

    path: str
    line: int | None
    key: str
    message: str
    severity: Severity = "error"
    column: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        key = f" [{self.key}]" if self.key else ""
        return f"{where}: {self.severity}: {self.message}{key}"

    def to_error(self) -> KnowledgeError:
        """This problem as the exception :func:`load_knowledge` raises."""
        message = self.message
        if self.column and "column" not in message:
            message += f" (column {self.column})"
        return KnowledgeError(message, path=self.path, line=self.line, key=self.key)


def format_key(path: KeyPath) -> str:
    """``("causes", 2, "confirmed_when")`` → ``causes[2].confirmed_when``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --------------------------------------------------------------------------- one file


@dataclass(eq=False)
class _File:
    """One knowledge file after its own checks (before ``extends`` is resolved)."""

    path: Path
    layer: int
    code: int | None  # from the file name
    data: dict[str, Any] | None = None
    doc: Document | None = None
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # kept so a file recalled from the cache can still be located on demand
    # Each template that checked clean → the fact names it reads (remembered with the data).
    names: dict[str, list[str]] = field(default_factory=dict)
    digest: str = ""  # of the bytes read: what the cross-file checks are remembered under

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(p.severity == "error" for p in self.problems)

    def problem(
        self,
        key: KeyPath,
        message: str,
        severity: Severity = "error",
        *,
        position: Position | None = None,
        at_key: bool = False,
    ) -> Problem:
        if position is None:
            if self.doc is None and self.text:
                from ._yaml import parse  # only a file recalled from the cache gets here, and rarely

                with contextlib.suppress(YamlProblem):
                    self.doc = parse(self.text)
            position = self.doc.locate(key, key=at_key) if self.doc is not None else Position(None)
        return Problem(str(self.path), position.line, format_key(key), message, severity, position.column)

    def add(self, key: KeyPath, message: str, severity: Severity = "error", **kwargs: Any) -> None:
        self.problems.append(self.problem(key, message, severity, **kwargs))


def _check_file(path: Path, layer: int) -> _File:
    """Read and check one file on its own."""
    f = _File(path=path, layer=layer, code=code_from_name(path))
    if f.code is None:
        f.problems.append(
            Problem(
                str(path),
                None,
                "",
                f"a knowledge file is named <code>.yaml, where <code> is a Twilio error code of at most "
                f"{MAX_CODE_DIGITS} digits as `diagnose explain` accepts it (e.g. 21408.yaml), not {path.name!r}",
            )
        )
    try:
        raw = read_bounded(path)
    except OSError as exc:
        f.problems.append(Problem(str(path), None, "", f"cannot read the file: {exc.strerror or exc}"))
        return f
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        f.problems.append(Problem(str(path), line, "", "the file is not UTF-8 text"))
        return f
    f.text = text
    f.digest = hashlib.sha256(raw).hexdigest()
    cached = recall(raw, path.name)
    if cached is not None and isinstance(cached.get("data"), dict) and isinstance(cached.get("names"), dict):
        f.data, f.names = cached["data"], cached["names"]
        return f
    from ._schema import describe  # checking needs YAML with line marks; a cache hit does not
    from ._yaml import parse

    try:
        f.doc = parse(text)
    except YamlProblem as exc:
        f.problems.append(Problem(str(path), exc.line, "", exc.message, "error", exc.column))
        return f
    for parent, name, first, repeat in f.doc.duplicates:
        f.add(
            (*parent, name),
            f"key {name!r} is given twice in the same mapping (first on line {first.line})",
            position=repeat,
        )
    if not isinstance(f.doc.data, dict):
        f.add((), f"the file must be a mapping of keys (code:, title:, causes: ...), not {describe(f.doc.data)}")
        return f
    f.data = f.doc.data
    _check_data(f)
    if not f.problems:
        remember(raw, path.name, {"data": f.data, "names": f.names})
    return f


def _check_data(f: _File) -> None:
    assert f.data is not None and f.doc is not None
    data = f.data
    from ._schema import knowledge_validator

    errors, marks = knowledge_validator().validate(data)
    extends = "extends" in data
    causes = data.get("causes") if isinstance(data.get("causes"), list) else []
    retired = {i for i, c in enumerate(causes) if isinstance(c, dict) and "retired" in c}

    for error in errors:
        path = error.path
        if error.kind == "missing":
            if extends and len(path) == 1 and path[0] != "code":
                continue  # taken from the extended entry
            if len(path) == 3 and path[0] == "causes" and path[1] in retired and path[2] not in ("id", "title"):
                continue  # a retired cause needs only id, title and retired
            f.add(path, error.message, position=f.doc.locate(path[:-1]))
        elif error.kind == "unknown":
            f.add(path, error.message, at_key=True)
        else:
            f.add(path, _explain(path, error.message, _get(data, path)))

    code = data.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and f.code is not None and code != f.code:
        f.add(("code",), f"code {code} does not match the file name {f.path.name} (expected code: {f.code})")

    first_id: dict[str, int] = {}
    for i, cause in enumerate(causes):
        cause_id = cause.get("id") if isinstance(cause, dict) else None
        if not isinstance(cause_id, str):
            continue
        if cause_id in first_id:
            j = first_id[cause_id]
            line = f.doc.locate(("causes", j, "id")).line
            f.add(
                ("causes", i, "id"),
                f"duplicate cause id {cause_id!r}: causes[{j}] (line {line}) already uses it; ids are unique per code",
            )
        else:
            first_id[cause_id] = i

    _check_actions(f, causes, data.get("channels"), retired)
    _check_reasons(f, causes, retired)

    for path, kind in marks:
        value = _get(data, path)
        if not isinstance(value, str):
            continue
        severity: Severity = "warning" if _in_retired(path, retired) else "error"
        if kind == "condition":
            _check_condition(f, path, value, severity)
        else:
            _check_template_at(f, path, value, severity)


def _check_reasons(f: _File, causes: list[Any], retired: set[int]) -> None:
    """A ruled_out_reasons entry names one way ruled_out_when holds: one operand of its top-level ``or``,
    once; else its line would never be shown, or shown for the wrong reason."""
    for i, cause in enumerate(causes):
        reasons = cause.get("ruled_out_reasons") if isinstance(cause, dict) else None
        if not isinstance(reasons, list):
            continue
        severity: Severity = "warning" if i in retired else "error"
        written = cause.get("ruled_out_when")
        try:
            ways = compile_condition(written).alternatives if isinstance(written, str) else ()
        except ConditionSyntaxError:
            continue  # said where ruled_out_when is checked
        if not ways:
            f.add(
                ("causes", i, "ruled_out_reasons"),
                "ruled_out_reasons needs a ruled_out_when of several ways joined by a top-level 'or'",
                severity,
            )
            continue
        seen: set[str] = set()
        for j, reason in enumerate(reasons):
            when = reason.get("when") if isinstance(reason, dict) else None
            if not isinstance(when, str):
                continue
            operand = operand_text(when)
            if operand in seen:
                f.add(("causes", i, "ruled_out_reasons", j, "when"), f"{operand!r} has a reason already", severity)
            elif operand not in ways:
                listed = "; ".join(ways)
                f.add(
                    ("causes", i, "ruled_out_reasons", j, "when"),
                    f"{operand!r} is not one of the ways ruled_out_when holds; write one of them as it is "
                    f"written there: {listed}",
                    severity,
                )
            seen.add(operand)


def _check_actions(f: _File, causes: list[Any], channels: Any, retired: set[int]) -> None:
    """Fix-step actions: a target needs an action, and an action must suit the code's channels."""
    from .actions import ACTIONS, PRODUCT_CHANNELS

    listed = set(channels) if isinstance(channels, list) and all(isinstance(c, str) for c in channels) else None
    for i, cause in enumerate(causes):
        steps = cause.get("fix") if isinstance(cause, dict) else None
        if not isinstance(steps, list):
            continue
        severity: Severity = "warning" if i in retired else "error"
        for j, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            action = step.get("action")
            if "target" in step and "action" not in step:
                f.add(("causes", i, "fix", j, "target"), "target needs an action (what would it change?)", severity)
            spec = ACTIONS.get(action) if isinstance(action, str) else None
            if spec is None or spec.product is None or listed is None:
                continue
            if not listed & PRODUCT_CHANNELS[spec.product]:
                f.add(
                    ("causes", i, "fix", j, "action"),
                    f"action {action!r} changes {spec.product} permissions, but this code's channels are "
                    f"{', '.join(sorted(listed))}",
                    severity,
                )


def _explain(path: KeyPath, message: str, value: Any) -> str:
    if path and path[-1] == "action" and isinstance(value, str):
        import difflib  # only a misspelt name needs it

        from .actions import ACTIONS

        close = difflib.get_close_matches(value, list(ACTIONS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown fix action {value!r}{hint}; the actions are: {', '.join(ACTIONS)} (docs/knowledge-format.md)"
    if path and path[-1] == "id" and "pattern" in message:
        return (
            f"cause id {value!r} is not kebab-case: lowercase words of letters and digits joined by single "
            "hyphens, starting with a letter (e.g. missing-country)"
        )
    return message


def _in_retired(path: KeyPath, retired: set[int]) -> bool:
    return len(path) > 1 and path[0] == "causes" and path[1] in retired


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        ):
            data = data[part]
        else:
            return None
    return data


def _suggest(name: str) -> str:
    import difflib  # only a misspelt name needs it

    close = difflib.get_close_matches(name, list(FACTS), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_condition(f: _File, path: KeyPath, text: str, severity: Severity) -> None:
    assert f.doc is not None
    try:
        condition = compile_condition(text)
    except ConditionSyntaxError as exc:
        position = f.doc.locate_in_scalar(path, exc.offset, text)
        f.add(path, f"condition: {exc}", severity, position=position)
        return
    for name in sorted(condition.names - FACTS.keys()):
        match = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)
        position = f.doc.locate_in_scalar(path, match.start() if match else 0, text)
        f.add(
            path,
            f"unknown fact {name!r} in condition{_suggest(name)}; conditions may use only the facts "
            "registered in diagnose/facts.py",
            severity,
            position=position,
        )


def _check_template_at(f: _File, path: KeyPath, text: str, severity: Severity) -> None:
    assert f.doc is not None
    issues = check_template(text)
    if not issues:
        f.names[_text(text)] = sorted(template_names(text))
        return
    node, matched = f.doc.node_at(path)
    start = f.doc.locate(path)
    block = matched == len(path) and getattr(node, "style", None) in ("|", ">")
    for issue in issues:
        line = start.line
        if line is not None:
            line += issue.line if block else issue.line - 1
        f.add(path, issue.message, severity, position=Position(line))


# --------------------------------------------------------------------------- layers


def _check_layer(paths: Iterable[Path], layer: int) -> list[_File]:
    return [_check_file(p, layer) for p in paths]


@functools.cache
def _builtin_files() -> tuple[_File, ...]:
    """The built-in files, checked once per process."""
    return tuple(_check_layer(layer_paths(BUILTIN_DIR), 0))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass
class _Analysis:
    """The result of resolving ``extends`` over all layers."""

    layers: list[list[_File]]
    top: dict[int, _File] = field(default_factory=dict)
    merged: dict[int, dict[str, Any] | None] = field(default_factory=dict)  # id(_File) → data
    extra: dict[int, list[Problem]] = field(default_factory=dict)  # id(_File) → problems

    def files(self) -> Iterator[_File]:
        for layer in self.layers:
            yield from layer

    def problems(self, f: _File) -> list[Problem]:
        problems = [*f.problems, *self.extra.get(id(f), [])]
        return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))

    def add(self, f: _File, key: KeyPath, message: str, severity: Severity = "error") -> None:
        self.extra.setdefault(id(f), []).append(f.problem(key, message, severity))

    def find_base(self, f: _File, target: int) -> _File | None:
        """The file ``f`` extends: its own code means the entry it overrides."""
        if target != f.code:
            return self.top.get(target)
        for layer in reversed(self.layers[: f.layer]):
            for other in layer:
                if other.code == target:
                    return other
        return None


def _extends(f: _File) -> int | None:
    target = f.data.get("extends") if f.data is not None else None
    return target if isinstance(target, int) and not isinstance(target, bool) else None


def _analyse(layers: list[list[_File]], *, remembered: bool = False) -> _Analysis:
    """``extends`` resolved and the cross-file checks run over all layers.

    ``remembered``: the warnings of files that passed every check before, with exactly these paths
    and bytes, come from the knowledge cache (they need the error index and every other code's wordings).
    """
    analysis = _Analysis(layers)
    for f in analysis.files():
        if f.code is not None:
            analysis.top[f.code] = f

    cyclic: set[int] = set()
    for f in analysis.files():
        if not f.ok:
            continue  # its own errors come first; the other members of a cycle report it
        chain = [f]
        current = f
        while (target := _extends(current)) is not None:
            base = analysis.find_base(current, target)
            if base is None:
                break
            if base is f:
                codes = " → ".join(str(c.code) for c in [*chain, f])
                analysis.add(f, ("extends",), f"extends cycle: {codes}")
                cyclic.add(id(f))
                break
            if base in chain:
                break  # a cycle further on; reported on its own members
            chain.append(base)
            current = base

    for f in analysis.files():
        _merged(analysis, f, cyclic)
    files = list(analysis.files())
    # Only clean files have a digest and can be remembered; the whole set is one cache entry.
    identity = "\n".join(f"{f.layer} {f.path} {f.digest}" for f in files).encode()
    recalled = recall(identity, "(cross-file checks)") if remembered and all(f.digest for f in files) else None
    if recalled is not None and isinstance(recalled.get("warnings"), list):
        for at, fields in recalled["warnings"]:
            analysis.extra.setdefault(id(files[at]), []).append(Problem(**fields))
        return analysis
    for f in files:
        _warnings(analysis, f)
    problems = [(at, p) for at, f in enumerate(files) for p in analysis.problems(f)]
    if remembered and all(f.ok for f in files) and all(p.severity == "warning" for _, p in problems):
        remember(identity, "(cross-file checks)", {"warnings": [[at, dataclasses.asdict(p)] for at, p in problems]})
    return analysis


def _merged(analysis: _Analysis, f: _File, cyclic: set[int]) -> dict[str, Any] | None:
    key = id(f)
    if key in analysis.merged:
        return analysis.merged[key]
    analysis.merged[key] = None  # guards against any cycle not caught above
    if not f.ok or key in cyclic:
        return None
    assert f.data is not None
    target = _extends(f)
    if target is None:
        result: dict[str, Any] | None = f.data
    else:
        base = analysis.find_base(f, target)
        if base is None:
            if target == f.code:
                message = (
                    f"extends {target}, its own code, but no earlier entry for {target} exists "
                    "(built-in, or in an earlier --knowledge folder)"
                )
            else:
                message = f"extends {target}, but there is no knowledge file for {target}"
            analysis.add(f, ("extends",), message)
            result = None
        else:
            base_data = _merged(analysis, base, cyclic)
            if base_data is None:
                analysis.add(f, ("extends",), f"extends {target}, but {base.path} has errors")
                result = None
            else:
                result = _merge(base_data, f.data, same_code=base.code == f.code)
    analysis.merged[key] = result
    return result


def _merge(base: Mapping[str, Any], child: Mapping[str, Any], *, same_code: bool) -> dict[str, Any]:
    """``child`` over ``base``: missing top-level keys come from base; causes merge by id."""
    # a wording names one code: never inherited from another code's file
    skip = {"extends", "code"} | (set() if same_code else {"docs_url", "wordings"})
    result = {k: v for k, v in base.items() if k not in skip}
    result.update({k: v for k, v in child.items() if k not in ("extends", "causes")})
    base_causes: list[dict[str, Any]] = list(base.get("causes", []))
    child_causes: list[dict[str, Any]] = list(child.get("causes", []))
    replacements = {c["id"]: c for c in child_causes}
    base_ids = {c["id"] for c in base_causes}
    result["causes"] = [replacements.get(c["id"], c) for c in base_causes] + [
        c for c in child_causes if c["id"] not in base_ids
    ]
    return result


MAX_WORDINGS = 40  # per code: the matcher's work per message grows with the largest bucket, so keep it small


def _wording_checks(analysis: _Analysis, f: _File, merged: Mapping[str, Any], where: Any) -> None:
    """A wording must name one error: not another code's official message or wording."""
    from ._index import normalise_wording, official_codes

    raw = merged.get("wordings", [])
    items = known_wordings(raw)
    own = [normalise_wording(w.text) for w in items]
    if not own:
        return
    if len(own) > MAX_WORDINGS:
        analysis.add(f, ("wordings",), f"at most {MAX_WORDINGS} wordings per code, got {len(own)}")
    for i, item in enumerate(raw if isinstance(raw, list) else ()):
        if isinstance(item, str):
            analysis.add(
                f,
                ("wordings", i),
                "a wording without a source counts as unverified: write {text: ..., source: ...} "
                "(docs/sources.md), or {text: ..., unverified: true}",
                "warning",
            )
        elif isinstance(item, dict) and "source" not in item and item.get("unverified") is not True:
            analysis.add(f, ("wordings", i), "a wording names its source (source: ...), or says unverified: true")
    for i, text in enumerate(own):
        if len(text.split()) < 3:
            analysis.add(f, ("wordings", i), "a wording needs at least three words to name an error")
    for other in analysis.top.values():
        data = analysis.merged.get(id(other))
        if other is f or data is None or other.code == f.code:
            continue
        theirs = {normalise_wording(w.text) for w in known_wordings(data.get("wordings"))}
        for i, text in enumerate(own):
            if text in theirs:
                analysis.add(f, ("wordings", i), f"wording also listed for {other.code}: a wording must name one code")
    for i, text in enumerate(own):
        for code in official_codes(text):
            if code != f.code:
                analysis.add(f, ("wordings", i), f"wording is Twilio's official message for {code}")


def _warnings(analysis: _Analysis, f: _File) -> None:
    """Checks that need the merged entry, the error index and the other codes."""
    merged = analysis.merged.get(id(f))
    if merged is None or f.code is None or f.data is None:
        return
    own = f.data

    def where(key: str) -> KeyPath:
        return (key,) if key in own else ("extends",)

    _check_refines(analysis, f, merged)
    related = merged.get("related", [])
    for i, code in enumerate(related):
        if lookup_error(code) is None and code not in analysis.top:
            key: KeyPath = ("related", i) if "related" in own else ("extends",)
            analysis.add(f, key, f"related code {code} is in neither the error index nor the knowledge base", "warning")
    _wording_checks(analysis, f, merged, where)
    known = lookup_error(f.code)
    if known is None:
        if not merged.get("docs_url"):
            analysis.add(
                f,
                where("docs_url"),
                f"{f.code} is not in the error index: give docs_url (Twilio's page for the code), and say in the "
                "file where its title and log level come from",
                "warning",
            )
        return
    if merged.get("title") != known.message:
        analysis.add(
            f, where("title"), f"title differs from Twilio's message for {f.code}: {known.message!r}", "warning"
        )
    if known.log_level and merged.get("log_level") != known.log_level:
        analysis.add(
            f,
            where("log_level"),
            f"log_level {merged.get('log_level')} differs from the error index's {known.log_level} for {f.code}",
            "warning",
        )


def _check_refines(analysis: _Analysis, f: _File, merged: Mapping[str, Any]) -> None:
    """``refines`` names another live cause of the same (merged) entry, without a cycle."""
    causes = [c for c in merged.get("causes", []) if isinstance(c, dict) and isinstance(c.get("id"), str)]
    by_id = {c["id"]: c for c in causes}
    own = [c.get("id") if isinstance(c, dict) else None for c in (f.data or {}).get("causes", [])]
    for cause in causes:
        target = cause.get("refines")
        if not isinstance(target, str) or not target:
            continue
        key: KeyPath = ("causes", own.index(cause["id"]), "refines") if cause["id"] in own else ("extends",)
        if target == cause["id"]:
            analysis.add(f, key, f"cause {cause['id']!r} cannot refine itself")
        elif target not in by_id:
            import difflib  # only a misspelt id needs it

            close = difflib.get_close_matches(target, list(by_id), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            analysis.add(f, key, f"refines {target!r}, but {f.code} has no cause with that id{hint}")
        elif "retired" in by_id[target]:
            analysis.add(f, key, f"refines {target!r}, which is retired")
        else:
            seen, current = {cause["id"]}, target
            while current in by_id and isinstance(by_id[current].get("refines"), str):
                if current in seen:
                    analysis.add(f, key, f"refines cycle through {current!r}")
                    break
                seen.add(current)
                current = by_id[current]["refines"]


# --------------------------------------------------------------------------- building entries


def _text(value: Any) -> str:
    return value.rstrip() if isinstance(value, str) else ""


def _condition(text: Any, retired: bool) -> Condition | None:
    if text is None:
        return None
    try:
        condition = compile_condition(text)
    except ConditionSyntaxError:
        if not retired:
            raise
        return compile_condition(_NEVER)
    if retired and not condition.names <= FACTS.keys():
        return compile_condition(_NEVER)
    return condition


def _fix_template(step: Mapping[str, Any], retired: bool = False) -> FixTemplate:
    return FixTemplate(
        text=_text(step["text"]),
        console=_text(step.get("console")),
        api=_text(step.get("api")),
        when=_condition(step.get("when"), retired),
        action=step.get("action") or "",
        target=step.get("target") or "account",
    )


def _build_remark(data: Mapping[str, Any]) -> Remark:
    return Remark(
        when=_condition(data["when"], False) or compile_condition(_NEVER),
        text=_text(data["text"]),
        fix=tuple(_fix_template(step) for step in data.get("fix", ())),
    )


def _build_cause(data: Mapping[str, Any]) -> Cause:
    retired = _text(data.get("retired"))
    check = data.get("check") or {}
    confirmed = _condition(data.get("confirmed_when"), bool(retired)) or compile_condition(_NEVER)
    return Cause(
        id=data["id"],
        title=_text(data["title"]),
        explanation=_text(data.get("explanation")),
        confirmed_when=confirmed,
        ruled_out_when=_condition(data.get("ruled_out_when"), bool(retired)),
        confirmed_because=_text(data.get("confirmed_because")),
        ruled_out_because=_text(data.get("ruled_out_because")),
        check=Check(console=_text(check.get("console")), api=_text(check.get("api"))),
        fix=tuple(_fix_template(step, bool(retired)) for step in data.get("fix", ())),
        verify=tuple(_text(v) for v in data.get("verify", ())),
        prevention=tuple(_text(p) for p in data.get("prevention", ())),
        retired=retired,
        refines=_text(data.get("refines")),
        ruled_out_reasons=tuple(
            (operand_text(reason["when"]), _text(reason["because"]))
            for reason in data.get("ruled_out_reasons") or ()
            if isinstance(reason, dict) and isinstance(reason.get("when"), str)
        ),
    )


def _index_docs_url(code: int) -> str:
    known = lookup_error(code)  # the error index is read only for an entry that gives no docs_url
    return known.docs_url if known else ""


def _reads(
    causes: Iterable[Cause], escalation: Escalation, names: Mapping[str, Iterable[str]], remarks: Iterable[Remark] = ()
) -> frozenset[str]:
    """Every fact the live causes', the remarks' and the escalation's conditions and templates read
    (see ``Entry.reads``)."""
    templates = [*escalation.when, *escalation.send]
    found: set[str] = set()
    for remark in remarks:
        found |= remark.when.names
        templates += remark_templates(remark)
        for step in remark.fix:
            if step.when is not None:
                found |= step.when.names
    for cause in causes:
        if cause.retired:
            continue
        found |= cause.names
        templates += cause_templates(cause)
        for step in cause.fix:
            if step.when is not None:
                found |= step.when.names
    for template in filter(None, templates):
        # Known from the check (or the cache of checked files); parsing is only a fallback.
        found.update(names[template] if template in names else template_names(template))
    return frozenset(found)


def _based_on(analysis: _Analysis, f: _File) -> int | None:
    """The first other code along ``f``'s ``extends`` chain (a file extending its own code overrides it: its base
    is that entry's), or None."""
    current: _File | None = f
    seen: set[int] = set()
    while current is not None and id(current) not in seen and (target := _extends(current)) is not None:
        if target != f.code:
            return target
        seen.add(id(current))
        current = analysis.find_base(current, target)
    return None


def _build_entry(
    data: Mapping[str, Any], code: int, source: Path, names: Mapping[str, Iterable[str]], based_on: int | None = None
) -> Entry:
    escalation_data = data.get("escalation") or {}
    causes = tuple(_build_cause(c) for c in data["causes"])
    remarks = tuple(_build_remark(r) for r in data.get("remarks", ()))
    escalation = Escalation(
        when=tuple(_text(w) for w in escalation_data.get("when", ())),
        send=tuple(_text(s) for s in escalation_data.get("send", ())),
    )
    return Entry(
        code=code,
        title=_text(data["title"]),
        summary=_text(data["summary"]),
        products=tuple(data["products"]),
        channels=tuple(data["channels"]),
        log_level=data["log_level"],
        meaning=_text(data["meaning"]),
        impact=_text(data["impact"]),
        causes=causes,
        escalation=escalation,
        references=tuple(Reference(r["title"], r["url"], r["checked"]) for r in data.get("references", ())),
        related=tuple(data.get("related", ())),
        docs_url=data.get("docs_url") or _index_docs_url(code),
        diagnosis=_text(data.get("diagnosis")),
        source=str(source),
        wordings=tuple(w.text for w in known_wordings(data.get("wordings"))),
        wording_info=known_wordings(data.get("wordings")),
        remarks=remarks,
        reads=_reads(causes, escalation, names, remarks),
        based_on=based_on,
    )


# --------------------------------------------------------------------------- public API


class KnowledgeBase:
    """Validated entries by code, and the warnings found while loading them.

    An entry may be given as the function that builds it: it is then built on first use, so a
    command about one code compiles the conditions of that code alone.
    """

    def __init__(
        self,
        entries: Mapping[int, Entry | Callable[[], Entry]],
        problems: Sequence[Problem] = (),
        other_wordings: Mapping[int, tuple[KnownWording, ...]] | None = None,
    ) -> None:
        self._entries = dict(sorted(entries.items()))
        self._built: dict[int, Entry] = {}
        self.problems: tuple[Problem, ...] = tuple(problems)
        # wordings of codes without a knowledge file (wordings.yaml: the built-in one, then each folder's);
        # None: not given (the built-in file's are used)
        self.other_wordings = other_wordings

    def get(self, code: int) -> Entry | None:
        """The entry for ``code``, or None when there is no knowledge for it."""
        entry = self._entries.get(code)
        if entry is None or isinstance(entry, Entry):
            return entry
        if code not in self._built:
            # setdefault: threads that build the same entry at once all get the one stored first
            self._built.setdefault(code, entry())
        return self._built[code]

    def codes(self) -> list[int]:
        """Every code with an entry, sorted."""
        return list(self._entries)

    def entries(self) -> list[Entry]:
        """Every entry, sorted by code."""
        return [entry for code in self._entries if (entry := self.get(code)) is not None]

    def __contains__(self, code: object) -> bool:
        return code in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"KnowledgeBase(codes={self.codes()})"


def load_knowledge(extra_dirs: Sequence[Path] = (), *, include_builtin: bool = True) -> KnowledgeBase:
    """The built-in knowledge plus ``extra_dirs`` (folders or files; later ones override a code).

    The default (built-in only) is loaded once and cached. Raises
    :class:`~diagnose.errors.KnowledgeError` with the file, line and key of the first
    error; warnings are kept in :attr:`KnowledgeBase.problems`.
    """
    if not extra_dirs and include_builtin:
        return _default_knowledge()
    return _load(tuple(Path(d) for d in extra_dirs), include_builtin)


@functools.cache
def _default_knowledge() -> KnowledgeBase:
    return _load((), True)


def _load(extra: tuple[Path, ...], include_builtin: bool) -> KnowledgeBase:
    layers: list[list[_File]] = [list(_builtin_files())] if include_builtin else []
    for folder in extra:
        if not folder.exists():
            raise KnowledgeError("knowledge folder not found", path=str(folder))
        layers.append(_check_layer(layer_paths(folder), len(layers)))
    analysis = _analyse(layers, remembered=True)
    # A file's own errors first: an extends error elsewhere may only be their consequence.
    for f in analysis.files():
        for problem in analysis.problems(f):
            if problem.severity == "error" and problem in f.problems:
                raise problem.to_error()
    warnings: list[Problem] = []
    for f in analysis.files():
        for problem in analysis.problems(f):
            if problem.severity == "error":
                raise problem.to_error()
            warnings.append(problem)
    names: dict[str, list[str]] = {}
    for f in analysis.files():
        names.update(f.names)
    entries: dict[int, Callable[[], Entry]] = {}
    for code, f in analysis.top.items():
        data = analysis.merged.get(id(f))
        if data is None:  # pragma: no cover - every unusable file has an error
            raise KnowledgeError("the entry could not be built", path=str(f.path))
        entries[code] = functools.partial(_build_entry, data, code, f.path, names, _based_on(analysis, f))
    return KnowledgeBase(entries, warnings, _other_wordings(extra, include_builtin, set(entries)))


def _other_wordings(
    extra: tuple[Path, ...], include_builtin: bool, codes: set[int]
) -> Mapping[int, tuple[KnownWording, ...]] | None:
    """The wordings of codes without a knowledge file: the built-in ``wordings.yaml``, then each folder's, a
    folder's list for a code replacing the one before (docs/knowledge-format.md, "Wordings of other codes").
    None when no folder has one (the built-in file is then read when a paste needs it, not at every load)."""
    from .._data import WORDING_FILE
    from ._wordings import layer_other_wordings, other_wordings, read_other_wordings

    found = [folder / WORDING_FILE for folder in extra if folder.is_dir() and (folder / WORDING_FILE).exists()]
    if not found:
        return None if include_builtin else {}
    layers = [other_wordings()] if include_builtin else []
    layers += [read_other_wordings(path, codes) for path in found]  # checked as they are read: errors stop here
    last = found[-1]
    try:
        return layer_other_wordings(layers)
    except ValueError as exc:
        raise KnowledgeError(str(exc), path=str(last)) from None


def lint_paths(paths: Sequence[Path]) -> list[Problem]:
    """Every problem in these knowledge files or folders; never raises for bad content.

    ``extends`` is resolved against the built-in knowledge, with each path as a layer
    over it (in order). Only problems in the given files are reported.
    """
    from .._data import WORDING_FILE

    problems: list[Problem] = []
    for path in [Path(p) for p in paths]:  # other codes' wordings: a file of its own kind (knowledge-format.md)
        wordings = path / WORDING_FILE if path.is_dir() else path
        if wordings.name == WORDING_FILE and wordings.is_file():
            problems.extend(_lint_other_wordings(wordings))
    given = [Path(p) for p in paths if Path(p).name != WORDING_FILE or not Path(p).is_file()]
    layers: list[list[_File]] = []
    checked: list[Path] = []
    for path in given:
        if not path.exists():
            problems.append(Problem(str(path), None, "", "no such file or folder"))
            continue
        files = layer_paths(path)
        if path.is_dir() and not files:
            problems.append(Problem(str(path), None, "", "no knowledge files (*.yaml) in this folder", "warning"))
        checked.extend(files)
    builtin = [f for f in _builtin_files() if not any(_same_file(f.path, p) for p in checked)]
    if builtin:
        layers.append(builtin)
    scope: list[_File] = []
    for path in given:
        if path.exists():
            layer = _check_layer(layer_paths(path), len(layers))
            layers.append(layer)
            scope.extend(layer)
    analysis = _analyse(layers)
    for f in scope:
        problems.extend(analysis.problems(f))
    return problems


def _lint_other_wordings(path: Path) -> list[Problem]:
    """The problems of a ``wordings.yaml`` (wordings of codes without a knowledge file)."""
    from ._index import error_index
    from ._wordings import check_other_wordings
    from ._yaml import parse

    try:  # as the loader reads it (the safe loader and its size limit)
        doc = parse(read_bounded(path).decode("utf-8")).data
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(path), None, "", f"cannot read it: {exc}")]
    except YamlProblem as exc:
        return [Problem(str(path), exc.line, "", exc.message)]
    knowledge = {entry.code for entry in load_knowledge().entries()}
    return [Problem(str(path), None, "", text) for text in check_other_wordings(doc, knowledge, set(error_index()))]


def clear_caches() -> None:
    """Forget cached knowledge, so edited files are read again (tests, long-running tools)."""
    _builtin_files.cache_clear()
    _default_knowledge.cache_clear()
