"""The exceptions synthgan raises for bad input, bad checkpoints and bad settings.

Every error a user can fix is one of these; the command line prints the message and exits 2.
"""

from __future__ import annotations


class SynthganError(Exception):
    """Base class of every error a user can act on."""


class DataValidationError(SynthganError, ValueError):
    """Input data has problems; ``problems`` lists every one found, not just the first."""

    def __init__(self, problems: list[str] | str, source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = f"{head}{self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            msg = f"{head}{len(self.problems)} problems found:\n{lines}"
        super().__init__(msg)


class ConfigError(SynthganError, ValueError):
    """A setting is invalid or inconsistent (for example a run folder that already holds a run)."""


class CheckpointError(SynthganError):
    """A checkpoint or run folder is missing, incomplete or fails its SHA-256 manifest."""


class NotFittedError(SynthganError):
    """``sample`` or ``save`` was called before ``fit`` (or ``load``)."""


class TrainingDivergedError(SynthganError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""
