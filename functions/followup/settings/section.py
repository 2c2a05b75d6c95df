"""The base of every settings section: unknown keys are refused, values never change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A table of the settings file: a typo'd key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
