"""``diagnose simulator``: the bundled Twilio simulator on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import click

from ..errors import DiagnoseError, InputError
from ._common import fail


@click.command("simulator")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False), help="Scenario YAML (default: the demo).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
def command(scenario: str | None, port: int) -> None:
    """Run the Twilio simulator on 127.0.0.1 until Ctrl-C."""
    from ..simulator import serve

    try:
        serve(scenario, port)
    except DiagnoseError as err:
        fail(err)
    except OSError as err:
        fail(InputError(f"cannot listen on 127.0.0.1:{port}: {err.strerror or err}"))
