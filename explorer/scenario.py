"""Teaching scenarios, one type for every tab: a named set of the tab's settings, fixed (seeds
included) so a class sees the same thing every time, with a title and a lesson in both languages.

A tab declares its scenarios once::

    SCENARIOS = Scenarios("saliency", {"cat_methods": {...}, ...}, validate=check_settings)

and everything else is derived: the translation keys (``<tab>_scn_<name>`` for the title,
``<tab>_scn_<name>_lesson`` for the lesson, ``err_<tab>_scenario`` for an unknown name), the
order of the "next scenario" button, the check of a raw API call's name. ``validate`` runs on every
scenario when the module is imported, so a scenario that no longer fits its tab fails at once.
No gradio here: the UI wires it (``explorer.ui.wiring.scenario_picker``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from explorer.errors import InputError
from explorer.i18n import t


@dataclass(frozen=True)
class Scenario:
    """One teaching scenario of ``tab``: ``settings`` gives every control it sets."""

    tab: str
    name: str
    settings: Mapping[str, Any]

    @property
    def title_key(self) -> str:
        return f"{self.tab}_scn_{self.name}"

    @property
    def lesson_key(self) -> str:
        return f"{self.tab}_scn_{self.name}_lesson"

    def __getitem__(self, key: str) -> Any:
        return self.settings[key]


class Scenarios(Mapping[str, Scenario]):
    """A tab's scenarios, in the order the "next" button walks them."""

    def __init__(self, tab: str, settings: Mapping[str, Mapping[str, Any]],
                 validate: Callable[[Mapping[str, Any]], Any] | None = None, lessons: bool = True):
        self.tab = tab
        self.lessons = lessons  # whether each scenario has a lesson to show (the Attention tab's do not)
        self._all = {name: Scenario(tab, name, dict(s)) for name, s in settings.items()}
        if validate is not None:
            for sc in self._all.values():
                validate(sc.settings)

    # Mapping
    def __getitem__(self, name: str) -> Scenario:
        return self._all[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._all

    @property
    def error_key(self) -> str:
        return f"err_{self.tab}_scenario"

    def get_checked(self, name: Any) -> Scenario:
        """Scenario ``name``, or an ``InputError`` naming the choices (a raw API call can send
        anything: a list, a number, an unknown name). Its message is ``err_<tab>_scenario``."""
        if name not in self:
            raise InputError(f"{self.tab}_scenario", value=str(name)[:40], choices=", ".join(self._all))
        return self._all[name]

    def following(self, name: Any) -> str:
        """The scenario after ``name`` (after the last, or none: the first)."""
        names = list(self._all)
        return names[(names.index(name) + 1) % len(names)] if name in self else names[0]

    def lesson(self, name: Any, lang: str) -> str:
        """The lesson of scenario ``name`` in ``lang``, or "" when no (known) scenario is chosen."""
        return t(lang, self._all[name].lesson_key) if name in self and self.lessons else ""

    def keys_used(self) -> set[str]:
        """Every translation key these scenarios need (for the i18n test)."""
        keys = {self.error_key} | {sc.title_key for sc in self._all.values()}
        return keys | ({sc.lesson_key for sc in self._all.values()} if self.lessons else set())
