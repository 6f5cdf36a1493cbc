"""The app's tabs, in page order: the one list that the page (app.py), a shared link's ``tab=``
(explorer.ui.classroom) and the send-to bar (explorer.ui.send) all read. A new tab is a line here,
a package ``explorer/<id>/`` and a module ``explorer/ui/<id>.py`` with ``build(store, lang)``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    id: str  # the tab's id in the page, in links (?tab=) and in translation keys (tab_<id>)
    takes_image: bool  # whether the send-to bar can pass it an image


TABS: tuple[Tab, ...] = (
    Tab("train", takes_image=False),
    Tab("basics", takes_image=False),  # "Fundamentos": neurons, networks and optimizers on 2-D data
    Tab("filters", takes_image=True),
    Tab("saliency", takes_image=True),
    Tab("adversarial", takes_image=True),
    Tab("attention", takes_image=True),
    Tab("embeddings", takes_image=True),
    Tab("archive", takes_image=False),  # "Mi archivo": a collection, not one image
    Tab("diffusion", takes_image=True),
)
TAB_IDS: tuple[str, ...] = tuple(tab.id for tab in TABS)
IMAGE_TABS: tuple[str, ...] = tuple(tab.id for tab in TABS if tab.takes_image)
