"""Prompt templates as files admins can edit, loaded and validated once at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

REQUIRED_TEMPLATES: dict[str, frozenset[str]] = {
    "answer.system.j2": frozenset({"today"}),
    "answer.user.j2": frozenset({"sources", "question"}),
    "condense.user.j2": frozenset({"history", "question"}),
    "no_answer.j2": frozenset({"question"}),
    "extractive.j2": frozenset({"quotes"}),
}


class PromptError(ValueError):
    """A prompt file is missing or broken; the message names it."""


@dataclass(frozen=True)
class PromptLibrary:
    directory: Path
    templates: dict[str, Template]

    @classmethod
    def load(cls, directory: Path) -> PromptLibrary:
        environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                                           lstrip_blocks=True, keep_trailing_newline=False)
        templates: dict[str, Template] = {}
        for name, provided in REQUIRED_TEMPLATES.items():
            path = directory / name
            if not path.is_file():
                raise PromptError(f"prompt template missing: {path}")
            source = path.read_text(encoding="utf-8")
            try:
                needed = meta.find_undeclared_variables(environment.parse(source))
                templates[name] = environment.from_string(source)
            except TemplateError as exc:
                raise PromptError(f"{path}: template error: {exc}") from exc
            unknown = needed - provided
            if unknown:
                raise PromptError(f"{path}: unknown variable(s) {', '.join(sorted(unknown))}; "
                                  f"available: {', '.join(sorted(provided))}")
        return cls(directory, templates)

    def render(self, name: str, **variables: Any) -> str:
        return self.templates[name].render(**variables).strip()
