"""The one Scenario type every tab uses (explorer/scenario.py), and the gate that keeps a
scenario's own redraw from being repeated (explorer/ui/common.py)."""
import gradio as gr
import pytest

from explorer.adversarial.scenarios import SCENARIOS as ADVERSARIAL
from explorer.attention.scenarios import SCENARIOS as ATTENTION
from explorer.diffusion.scenarios import SCENARIOS as DIFFUSION
from explorer.errors import InputError
from explorer.i18n import TEXT, t
from explorer.scenario import Scenarios
from explorer.tabs import TAB_IDS
from explorer.ui.common import unless_scenario_set


def test_following_cycles_and_starts_at_the_first():
    names = list(DIFFUSION)
    assert DIFFUSION.following(None) == names[0]
    assert DIFFUSION.following("no such") == names[0]
    assert DIFFUSION.following(["a list"]) == names[0]
    assert [DIFFUSION.following(n) for n in names] == names[1:] + names[:1]


def test_lesson_in_both_languages_and_empty_without_one():
    name = next(iter(ADVERSARIAL))
    es, en = (ADVERSARIAL.lesson(name, lang) for lang in ("es", "en"))
    assert es and en and es != en and en == t("en", f"adversarial_scn_{name}_lesson")
    assert ADVERSARIAL.lesson(None, "en") == "" and ADVERSARIAL.lesson(["x"], "en") == ""
    assert ATTENTION.lesson(next(iter(ATTENTION)), "en") == t("en", f"attention_scn_{next(iter(ATTENTION))}_lesson")
    no_lessons = Scenarios("attention", {"x": {}}, lessons=False)  # scenarios declared without lessons
    assert no_lessons.lesson("x", "en") == "" and no_lessons.keys_used() == {"err_attention_scenario",
                                                                              "attention_scn_x"}


def test_an_unknown_name_is_an_input_error_naming_the_choices():
    with pytest.raises(InputError) as e:
        DIFFUSION.get_checked(["not", "a", "name"])
    assert e.value.kind == "diffusion_scenario" and set(e.value.details["choices"].split(", ")) == set(DIFFUSION)
    assert f"err_{e.value.kind}" in TEXT["en"]


# every tab has its scenarios now ("Mi archivo" since issue 18's demo shop); a tab added without
# them goes here until it has them
WITHOUT_SCENARIOS: set[str] = set()


def test_every_tab_declares_its_scenarios_with_the_one_type():
    import importlib

    for tab in TAB_IDS:
        if tab in WITHOUT_SCENARIOS:
            continue
        found = [v for v in vars(importlib.import_module(f"explorer.{tab}.scenarios")).values()
                 if isinstance(v, Scenarios)]
        # one per tab, or one per section of it (Fundamentos: the playground's, the optimizers')
        assert found and all(s.tab == tab for s in found), tab
        for s in found:
            assert s.keys_used() <= set(TEXT["en"]), sorted(s.keys_used() - set(TEXT["en"]))
        names = [name for s in found for name in s]
        assert len(names) == len(set(names)), tab  # their keys are the tab's: one name, one scenario


def test_validate_runs_on_every_scenario_at_once():
    def check(settings):
        if settings["n"] < 0:
            raise ValueError("n must be positive")

    Scenarios("demo", {"a": {"n": 1}}, validate=check)
    with pytest.raises(ValueError):
        Scenarios("demo", {"a": {"n": 1}, "b": {"n": -1}}, validate=check)


def test_unless_scenario_set_stops_only_the_same_settings():
    sig = ["dataset", "cat", 12.0, "fashion"]
    with pytest.raises(gr.Error):
        unless_scenario_set(sig, "dataset", "cat", 12, "fashion")  # the index as the slider sends it
    unless_scenario_set(sig, "dataset", "cat", 13, "fashion")
    unless_scenario_set(sig, "dataset", "cat", 12, "imagenet")
    unless_scenario_set(None, "dataset", "cat", 12, "fashion")
    unless_scenario_set(sig, "dataset", "cat", None, "fashion")
