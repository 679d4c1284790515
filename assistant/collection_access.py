"""Who may read a collection, as an ingestion decides it: opening one to every agent is never implicit.

An ingestion sets a collection's groups only when it creates the collection: from `groups`, or `public`
(every authenticated agent), or the configured `ingestion.default_groups`; with none of them it is
refused. An existing collection keeps its groups: re-ingesting with the same groups, or with no groups
at all, is fine; other groups (or `public`) are refused, since a change of readers is
`assistant collections set-groups`'s job, not a side effect of adding documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.catalog import CollectionRow


class AccessChoiceError(ValueError):
    """The readers asked for are missing, empty or contradict the collection's; the message says what to pass."""


def clean_groups(groups: Iterable[str]) -> list[str]:
    """Group names as typed (`" /urbanisme "`) as the directory gives them (`"urbanisme"`), empty ones dropped."""
    return [group.strip().strip("/") for group in groups if group.strip().strip("/")]


def parse_groups(value: str | None, option: str = "--groups") -> list[str] | None:
    """`g1, /g2` -> ["g1", "g2"]; None when the option was not given; an empty value is refused."""
    if value is None:
        return None
    groups = clean_groups(value.split(","))
    if not groups:
        raise AccessChoiceError(
            f"{option} is empty ({value!r}): name at least one group (g1,g2); opening a collection to every "
            "agent takes --public, said explicitly")
    return groups


def describe(groups: Sequence[str]) -> str:
    return f"groups {', '.join(groups)}" if groups else "every agent (public)"


def groups_for_ingestion(
    existing: CollectionRow | None, name: str, groups: Sequence[str] | None, public: bool,
    default_groups: Sequence[str] = (),
) -> list[str] | None:
    """The groups to create collection `name` with, or None to keep an existing collection's groups."""
    if public and groups:
        raise AccessChoiceError("--public and --groups contradict each other: pass one of them")
    if groups is not None and not public and not [g for g in groups if g.strip()]:
        raise AccessChoiceError("the list of groups is empty: name at least one group, or pass --public")
    wanted = [] if public else (sorted({g.strip() for g in groups if g.strip()}) if groups is not None else None)
    if existing is None:
        if wanted is not None:
            return wanted
        if default_groups:
            return sorted(set(default_groups))
        raise AccessChoiceError(
            f"collection '{name}' does not exist yet: say who may read it with --groups g1,g2, or --public to "
            "let every agent read it (or configure ingestion.default_groups)")
    if wanted is None or wanted == existing.groups:
        return None
    raise AccessChoiceError(
        f"collection '{name}' is readable by {describe(existing.groups)}; ingest does not change who may read "
        f"an existing collection (asked: {describe(wanted)}). Run `assistant collections set-groups {name} "
        "...` to change it, or ingest without --groups/--public to keep it")
