"""The command line: one module per command, each a thin click command around the library.

``diagnose.cli:main`` is the entry point. Commands are imported only when they
run (``--help`` imports them all), so ``diagnose explain 21408`` does not pay
for the modules of ``diagnose demo``. Only this package prints, reads the
environment and maps errors to exit codes (:mod:`.exit_codes`).

``diagnose ARG…`` with an argument that is no command name runs the hidden
``sids`` command; :mod:`._router` decides what each argument is, and whether a first word that is
no command is one mistyped (``diagnose scna``: "No such command 'scna'. Did you mean 'scan'?", exit 2).
"""

from __future__ import annotations

import gc
import os
from importlib import import_module

import click

# name → "module" (which defines ``command``) or "module:attribute", in this package.
_COMMANDS = {
    "audit": "audit:audit_command",
    "scan": "scan:scan_command",
    "demo": "demo",
    "explain": "explain",
    "fix": "fix:fix_command",
    "knowledge": "knowledge",
    "runbook": "runbook",
    "sids": "sids",
    "simulator": "simulator",
    "triage": "paste:triage_command",
}
_DEFAULT = "sids"
_SHOWN = sorted(set(_COMMANDS) - {_DEFAULT})  # what a mistyped name is matched against: never the hidden one

# Commands that run briefly: what they allocate is mostly what lives until exit (modules, classes,
# compiled templates), so the cyclic collector would only re-examine it (~10 ms of `explain 21408`).
# In a process of their own (:func:`run`) they run without it; every other command works through
# input of any size and gets it back. Reference counting frees everything else either way.
_BRIEF = frozenset({"explain", "knowledge", "sids"})


class _Main(click.Group):
    """Loads each command on first use; ``diagnose SM…`` runs the hidden ``sids`` command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        if cmd_name not in _BRIEF:
            gc.enable()
        module, _, attribute = target.partition(":")
        command: click.Command = getattr(import_module(f"{__name__}.{module}"), attribute or "command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `diagnose … | head`: the reader has what it wanted
            from ._common import closed_pipe

            closed_pipe()
        except KeyboardInterrupt:  # Ctrl-C that no command reports on itself (audit, scan, fix, triage do)
            from ._common import interrupted

            interrupted()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        at = _first_word(args)
        if not args or args[0] in _GROUP_OPTIONS:
            pass
        elif at is None or args[at] not in _COMMANDS:
            if at is not None and "--" not in args[:at]:
                _refuse_misspelt(ctx, args[at])
            args = [_DEFAULT, *args]
        elif at and "--" not in args[:at]:
            # `diagnose --format json explain 21408`: the options written before the command are its own
            args = [args[at], *args[:at], *args[at + 1 :]]
        return super().parse_args(ctx, args)


def _refuse_misspelt(ctx: click.Context, word: str) -> None:
    """``diagnose scna``: a usage error naming the command meant, not a SID check of 'scna' (exit 2)."""
    from ._router import misspelt_command

    meant = misspelt_command(word, _SHOWN)
    if meant is not None:
        ctx.fail(f"No such command {word!r}. Did you mean {meant!r}?")


# The options that take a value, of the commands an option may come before: the word after one is its value
# (`--format json`), never a command name, a SID or a paste.
_VALUED = frozenset({"--account", "--api-url", "--timeout", "--format", "--color", "--knowledge", "--out"})
_GROUP_OPTIONS = frozenset({"-h", "--help", "--version"})


def _first_word(args: list[str]) -> int | None:
    """Where the first argument is that is neither an option nor an option's value (``-`` is stdin: a word)."""
    value = False
    for at, arg in enumerate(args):
        if value:
            value = False
        elif arg == "-" or not arg.startswith("-"):
            return at
        elif arg == "--":  # what follows is words, whatever they look like
            return at + 1 if at + 1 < len(args) else None
        else:
            value = arg in _VALUED
    return None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="twilio-diagnose")
def main() -> None:
    """Diagnose a failed Twilio message or call and show the exact fix.

    \b
      diagnose -              pasted error text on stdin (or FILE, or 'TEXT')
      diagnose triage LOG…    logs of any size (app.log*), errors grouped and diagnosed
      diagnose SM…            a failed message, by SID
      diagnose CA…            a failed call, by SID
      diagnose SM… SM… CA…    several at once: one entry each
      diagnose demo           the whole product against the bundled simulator
      diagnose explain 21408  what a code means, its causes and fixes

    \b
    With a SID: --account AC… (the subaccount that owns it), --format
    text|markdown|html|json, --api-url URL (or DIAGNOSE_API_URL), --timeout S,
    --knowledge DIR, --color auto|always|never, --redact-numbers. With pasted
    errors, also --offline (from the text alone) and --account AC… (the account
    that sent those that name none). Credentials: TWILIO_ACCOUNT_SID
    with TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET.
    Exit codes: 0 confirmed, or a SID that did not fail; 1 likely/inconclusive/
    no knowledge, or pasted text or a log (triage) with no Twilio error in it;
    2 bad input, 3 Twilio unreachable, credentials rejected or SID not found;
    for several SIDs, the worst of them; 4 triage stopped short (a worker
    process died, a compressed log ends early), 130 Ctrl-C.
    """
    from ..cache import caches_from_env, use_caches

    # The edge decides where the caches live; the loader and the renderers only use them.
    use_caches(caches_from_env(os.environ))


def run() -> None:
    """The ``diagnose`` command and ``python -m diagnose``: :data:`main` in a process of its own."""
    gc.disable()  # until the command is known: see _BRIEF
    main()


__all__ = ["main", "run"]
