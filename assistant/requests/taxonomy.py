"""The collectivity's own taxonomy of requests: one YAML file, validated strictly (a wrong key names itself)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, StringConstraints, ValidationError, model_validator

from assistant.settings_base import StrictSettings

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class TaxonomyError(ValueError):
    """The taxonomy file cannot be used; the message names the file and the key."""


class Category(StrictSettings):
    id: _Id = Field(description="Stable identifier (lower case, digits, '_' or '-'): corrections refer to it.")
    label: _Text = Field(description="Name shown to staff; its words count as evidence for the category.")
    service: _Text = Field(description="Service the category's requests are routed to.")
    examples: list[_Text] = Field(min_length=1, description="Requests as citizens write them (3 may be all "
                                  "there is); staff corrections are added to them.")
    keywords: list[_Text] = Field(default_factory=list, description="Words or phrases typical of the category "
                                  "(accents and plurals do not matter).")
    response_days: int | None = Field(None, ge=1, le=365, description="Target response time, in days.")


class Taxonomy(StrictSettings):
    name: _Text = Field("Taxonomie", description="Name of the taxonomy (shown in reports).")
    categories: list[Category] = Field(min_length=2, description="The categories requests are sorted into.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        seen: set[str] = set()
        for category in self.categories:
            if category.id in seen:
                raise ValueError(f"category id '{category.id}' is used twice")
            seen.add(category.id)
        return self

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    @property
    def ids(self) -> list[str]:
        return [category.id for category in self.categories]

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _describe(error: ValidationError, path: Path) -> str:
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            problems.append(f"unknown key '{key}'")
        else:
            problems.append(f"key '{key}': {item['msg']}")
    return f"invalid taxonomy {path}: " + "; ".join(problems)


def load_taxonomy(path: Path) -> Taxonomy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TaxonomyError(f"taxonomy file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"taxonomy file {path} cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{path}: the top level must be a mapping with 'categories'")
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as exc:
        raise TaxonomyError(_describe(exc, path)) from exc
