"""The scenario plumbing every tab shares (explorer/ui/common.py)."""
import gradio as gr
import pytest

from explorer.adversarial.scenarios import SCENARIOS as ADVERSARIAL
from explorer.diffusion.scenarios import SCENARIOS as DIFFUSION
from explorer.ui.common import next_scenario, scenario_lesson, unless_scenario_set


def test_next_scenario_cycles_and_starts_at_the_first():
    names = list(DIFFUSION)
    assert next_scenario(DIFFUSION, None) == names[0]
    assert next_scenario(DIFFUSION, "no such") == names[0]
    assert [next_scenario(DIFFUSION, n) for n in names] == names[1:] + names[:1]


def test_scenario_lesson_in_both_languages_and_empty_without_one():
    name = next(iter(ADVERSARIAL))
    es, en = (scenario_lesson(ADVERSARIAL, "adversarial_scn_{}_lesson", name, lang) for lang in ("es", "en"))
    assert es and en and es != en
    assert scenario_lesson(ADVERSARIAL, "adversarial_scn_{}_lesson", None, "en") == ""
    assert scenario_lesson(ADVERSARIAL, "adversarial_scn_{}_lesson", ["x"], "en") == ""


def test_unless_scenario_set_stops_only_the_same_settings():
    sig = ["dataset", "cat", 12.0, "fashion"]
    with pytest.raises(gr.Error):
        unless_scenario_set(sig, "dataset", "cat", 12, "fashion")  # the index as the slider sends it
    unless_scenario_set(sig, "dataset", "cat", 13, "fashion")
    unless_scenario_set(sig, "dataset", "cat", 12, "imagenet")
    unless_scenario_set(None, "dataset", "cat", 12, "fashion")
    unless_scenario_set(sig, "dataset", "cat", None, "fashion")
