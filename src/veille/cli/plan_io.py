"""``veille plan recommend|export|import``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    DataFormat,
    FormatOpt,
    WorkspaceOpt,
    console,
    error_speaker,
    handle_errors,
    old_option_name,
    open_workspace,
    output_file,
    print_json,
    speaker,
    tell,
)
from veille.cli.plan import ActorOpt, LangOpt, lang_of
from veille.errors import Count, tr, trn


class PlanFormat(StrEnum):
    md = "md"
    html = "html"
    pdf = "pdf"
    toml = "toml"


def register(plan: typer.Typer) -> None:
    @plan.command("recommend")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def recommend(
        lang: LangOpt = None, workspace: WorkspaceOpt = None, output: FormatOpt = DataFormat.table
    ) -> None:
        """Recommendations from listening, each with its figures."""
        from veille.plan.recommend import recommendations

        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            found = recommendations(ws)
        if output is DataFormat.json:
            print_json(
                [{"kind": r.kind, "text": r.text(language), "figures": r.figures} for r in found]
            )
            return
        for r in found:
            console().print(f"- {r.text(language)}", markup=False)
        if not found:  # in the recommendations' language
            said = tr("Nothing to recommend yet: collect more posts.")
            console().print(speaker(language)(said), markup=False)

    @plan.command("export")
    @handle_errors
    @old_option_name("--lang", param="lang", new="--language")
    def export(
        fmt: Annotated[
            PlanFormat,
            typer.Option("--format", "-f", help="md, html, pdf, or toml (the versionable file)."),
        ] = PlanFormat.md,
        lang: LangOpt = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--output", "-o", help="File to write (default: standard output; required for pdf)."
            ),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Write the plan as a document (md, html, pdf) or as a TOML file."""
        from veille.errors import UsageError
        from veille.plan.document import plan_html, plan_markdown, plan_pdf
        from veille.plan.plan_file import contents, to_toml

        if fmt is PlanFormat.pdf and output is None:
            raise UsageError(tr("a PDF needs a file"), hint=tr("Pass --output plan.pdf."))
        output = output_file(output, "--output")
        with open_workspace(workspace) as ws:
            language = lang_of(ws, lang)
            data: str | bytes
            if fmt is PlanFormat.toml:
                data = to_toml(contents(ws))
            elif fmt is PlanFormat.md:
                data = plan_markdown(ws, language)
            elif fmt is PlanFormat.html:
                data = plan_html(ws, language)
            else:
                data = plan_pdf(ws, language)
        if output is None:
            sys.stdout.write(data if isinstance(data, str) else data.decode())
            return
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, encoding="utf-8")
        console().print(error_speaker(workspace)(tr("Plan written to %(path)s.", path=str(output))),
                        markup=False, soft_wrap=True)  # fmt: skip

    @plan.command("import")
    @handle_errors
    def import_(
        file: Annotated[
            Path, typer.Argument(help="A plan TOML file (from `veille plan export --format toml`).")
        ],
        actor: ActorOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Replace the plan with the one in a TOML file."""
        from veille.errors import InputError
        from veille.plan.plan_file import import_plan

        try:
            text = file.read_text("utf-8")
        except OSError:
            raise InputError(
                tr("cannot read %(file)s", file=file), hint=tr("Check the path.")
            ) from None
        with open_workspace(workspace) as ws:
            c = import_plan(ws, text, source=str(file), actor=actor)
            objectives, kpis, channels = (
                Count(len(c.objectives)),
                Count(len(c.kpis)),
                Count(len(c.channels)),
            )
            tell(ws, tr("Plan imported: %(objectives)s, %(kpis)s, %(channels)s.",
                         objectives=trn("%(n)s objective", "%(n)s objectives", objectives,
                                        n=objectives),
                         kpis=trn("%(n)s KPI", "%(n)s KPIs", kpis, n=kpis),
                         channels=trn("%(n)s channel", "%(n)s channels", channels,
                                      n=channels)))  # fmt: skip
