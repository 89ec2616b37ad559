"""The ``coursekit`` typer app: one small module per command."""

from __future__ import annotations

import typer

from coursekit.cli import (
    check_cmd,
    course_cmd,
    export_cmd,
    grade_cmd,
    list_cmd,
    new_cmd,
    release_cmd,
    semester_cmd,
)

app = typer.Typer(name="coursekit", help="Exercises and grading for the recurrent-networks lesson.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.command("list")(list_cmd.list_exercises)
app.command("check")(check_cmd.check)
app.command("grade")(grade_cmd.grade)
app.command("release")(release_cmd.release)
app.command("init-course")(course_cmd.init_course)
# A negative number of points (-2) is an argument, not an option.
app.command("adjust", context_settings={"ignore_unknown_options": True})(semester_cmd.adjust)
app.command("drop")(semester_cmd.drop)
app.command("new")(new_cmd.new)
app.add_typer(export_cmd.export_app, name="export")
