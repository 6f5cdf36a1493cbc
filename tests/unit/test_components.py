"""explorer/ui/components.py: the input components that leave checking an API caller's values to the
handlers (and decoding a drawing or an image to explorer.images), and importing the app writes no file."""
import subprocess
import sys
from pathlib import Path

import gradio as gr
import pytest
from gradio.data_classes import FileData

from explorer.ui.components import (
    Dropdown,
    ImagePath,
    Number,
    OpenDropdown,
    Radio,
    RangeFreeSlider,
    Sketchpad,
    Slider,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["abc", "nan", "-1e309", "", None, [1], {"a": 1}, float("nan"), float("inf")])
def test_what_is_not_a_finite_number_reaches_the_handler_unchanged(value):
    for comp in (Slider(0, 10, render=False), Number(0, precision=0, minimum=0, maximum=10, render=False)):
        out = comp.preprocess(value)
        assert out is value or (out != out and value != value), (type(comp).__name__, value, out)


def test_numbers_keep_gradios_own_checks():
    s = Slider(0, 10, render=False)
    assert s.preprocess(3.5) == 3.5
    with pytest.raises(gr.Error, match="greater than maximum value 10"):
        s.preprocess(11)
    n = Number(precision=0, minimum=0, render=False)
    assert n.preprocess(2.6) == 3 and isinstance(n.preprocess(2.6), int)
    with pytest.raises(gr.Error, match="less than minimum"):
        n.preprocess(-1)


def test_a_slider_whose_range_follows_another_control_leaves_the_range_to_its_handler():
    s = RangeFreeSlider(1, 6, render=False)  # the page made it 1-6; a call on its way may still say 9
    assert s.preprocess(9) == 9 and s.preprocess("x") == "x" and s.preprocess(3) == 3


def test_the_page_draws_them_as_gradios_own():
    assert Slider(render=False).get_block_name() == gr.Slider(render=False).get_block_name() == "slider"
    assert RangeFreeSlider(render=False).get_block_name() == "slider"
    assert Number(render=False).get_block_name() == "number"
    assert Sketchpad(render=False).get_block_name() == gr.Sketchpad(render=False).get_block_name()
    assert ImagePath(render=False).get_block_name() == "image"


def test_a_drawing_is_handed_over_undecoded(tmp_path):
    """Not an image at all: gr.Sketchpad would fail opening it; ours passes the paths on."""
    bogus = tmp_path / "layer.png"
    bogus.write_bytes(b"%PDF-1.4 not a picture")
    sk = Sketchpad(type="filepath", render=False)
    payload = sk.data_model(background=None, layers=[FileData(path=str(bogus))], composite=FileData(path=str(bogus)))
    assert sk.preprocess(payload) == {"background": None, "layers": [str(bogus)], "composite": str(bogus)}
    assert sk.preprocess(None) is None
    im = ImagePath(render=False)
    assert im.preprocess(im.data_model(path=str(bogus))) == str(bogus) and im.preprocess(None) is None


def test_the_committed_stub_is_the_one_gradio_writes(tmp_path):
    """Gradio writes a .pyi stub beside a module defining a component class when it is missing or
    stale. components.pyi must be exactly the stub Gradio makes from components.py (made here
    from a copy of it, in a folder of its own), or importing the app would rewrite it."""
    (tmp_path / "components.py").write_text((ROOT / "explorer/ui/components.py").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    subprocess.run([sys.executable, "-c", "import components"], cwd=tmp_path, check=True, timeout=300,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "GRADIO_ANALYTICS_ENABLED": "False"})
    fresh = (tmp_path / "components.pyi").read_text(encoding="utf-8")
    assert (ROOT / "explorer/ui/components.pyi").read_text(encoding="utf-8") == fresh


def test_importing_the_app_writes_no_stub():
    stubs = lambda: {p: p.stat().st_mtime_ns for p in ROOT.glob("**/*.pyi") if ".venv" not in p.parts}  # noqa: E731
    before = stubs()
    subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, check=True, timeout=300,
                   env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"})
    assert stubs() == before


def test_number_choices_take_the_string_form_view_api_describes():
    """view_api() showed the attention head as Literal['0', ..., '11', 'mean'] and Gradio refused "1"."""
    head = Dropdown([("1", 0), ("2", 1), ("mean", "mean")], value=1, render=False)
    assert head.api_info()["enum"] == ["0", "1", "mean"] and head.example_payload() == "0"
    assert head.preprocess("1") == 1 and head.preprocess(1) == 1 and head.preprocess("mean") == "mean"
    with pytest.raises(gr.Error, match="not in the list of choices"):
        head.preprocess("12")
    k = Radio([3, 5], value=3, render=False)
    assert k.api_info()["enum"] == ["3", "5"] and k.preprocess("5") == 5 and k.preprocess(3) == 3
    with pytest.raises(gr.Error, match="not in the list of choices"):
        k.preprocess("7")
    assert head.get_block_name() == "dropdown" and k.get_block_name() == "radio"


def test_an_open_dropdown_leaves_an_unknown_value_to_its_handler():
    target = OpenDropdown([("Filters", "filters"), ("Diffusion", "diffusion")], value="filters", render=False)
    assert target.preprocess("saliency") == "saliency" and target.preprocess("diffusion") == "diffusion"
    assert target.get_block_name() == "dropdown"
