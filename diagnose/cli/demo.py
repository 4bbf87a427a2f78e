"""``diagnose demo``: every failure of the bundled demo scenario, diagnosed with no Twilio account."""

from __future__ import annotations

import click

from ..errors import DiagnoseError
from ._common import color_option, echo, fail, format_option, output_width, use_color


@click.command("demo")
@format_option
@color_option
def command(fmt: str, color: str) -> None:
    """Diagnose every failure of the bundled demo scenario, with no Twilio account.

    Exits 0 once every case is diagnosed, whatever the verdicts: the other-error case (30003) is
    no-knowledge on purpose.
    """
    from ..demo import run_demo

    try:
        report = run_demo()
    except DiagnoseError as err:
        fail(err)
    from ..render import render_report

    colored = use_color(color)
    # A report of several subjects ends with its one-line-per-subject summary.
    echo(render_report(report, fmt, color=colored, width=output_width()), colored)
    if fmt == "text":
        click.echo("\nTo try it by hand, `diagnose simulator` prints credentials and sample SIDs for `diagnose SID`.")
