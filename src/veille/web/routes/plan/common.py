"""What the plan's pages share: the form fields' types (a field longer than
its limit is refused before a route reads it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

Text = Annotated[str, Form(max_length=4000)]
LongText = Annotated[str, Form(max_length=200_000)]
