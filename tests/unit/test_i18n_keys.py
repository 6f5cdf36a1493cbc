"""Every translation key the code asks for exists, and every key in the locale files is asked for.

Keys come from three places, all read here:
- a literal where a text is looked up: ``t(lang, "key")``, ``L("key")``, ``user_error(lang, "key")``,
  ``int_in(..., lang, "key")``... (parsed from the source, not matched by a regex);
- a family built at run time, ``t(lang, f"saliency_m_{m}")``: each family found in the source must
  be expanded below, from the registry its values come from (the methods, networks, sources...);
  a new family without an expansion fails the test, so it cannot hide unused or missing keys;
- the errors the logic raises: ``InputError("kind")``, ``ConfigError(field, "kind")``, an
  ``ImageError`` or a tab's own error are worded by ``err_<kind>`` keys (``ui.common._translate``);
  and the scenarios, whose keys ``Scenarios`` derives.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from explorer.i18n import TEXT

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "explorer").rglob("*.py")) + [ROOT / "app.py"]
# the functions whose argument at this position is a translation key
KEY_ARG = {"t": 1, "L": 0, "I18N": 0, "user_error": 1, "detail_message": 1, "int_in": 4, "float_in": 4,
           }


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _pattern(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def key_arguments() -> tuple[set[str], set[str]]:
    """(literal keys, family patterns like "saliency_m_{}") at every key argument in the source."""
    literal, families = set(), set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _name(node.func) in KEY_ARG:
                i = KEY_ARG[_name(node.func)]
                arg = node.args[i] if len(node.args) > i else next(
                    (k.value for k in node.keywords if k.arg in ("key", "field")), None)
                for a in ([arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]):
                    if isinstance(a, ast.BinOp) and isinstance(a.op, ast.Add) and isinstance(a.left, ast.Constant):
                        families.add(f"{a.left.value}{{}}")  # "kind_" + s.kind: a family too
                    elif isinstance(a, ast.Constant) and isinstance(a.value, str):
                        (families if "{}" in a.value else literal).add(a.value)  # "x_{}_lesson".format
                    elif isinstance(a, ast.JoinedStr):
                        families.add(_pattern(a))
    return literal, families


# functions that raise an error of this class, its kind their first argument
RAISED_BY = {"check_number": "DiffusionError"}


def raised_kinds() -> set[tuple[str, str]]:
    """(error class, kind) for every ``SomethingError("kind", ...)`` raised with a literal kind (and
    every call of a function of RAISED_BY)."""
    out = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _name(node.func) in RAISED_BY and node.args and isinstance(
                    node.args[0], ast.Constant):
                out.add((RAISED_BY[_name(node.func)], node.args[0].value))
            elif isinstance(node, ast.Call) and _name(node.func).endswith("Error") and node.args:
                pos = 1 if _name(node.func) == "ConfigError" else 0
                if len(node.args) > pos and isinstance(node.args[pos], ast.Constant) and isinstance(
                        node.args[pos].value, str):
                    out.add((_name(node.func), node.args[pos].value))
    return out


def scenario_keys() -> set[str]:
    from explorer.scenario import Scenarios
    from explorer.tabs import TAB_IDS

    keys = set()
    for tab in TAB_IDS:
        try:
            mod = importlib.import_module(f"explorer.{tab}.scenarios")
        except ModuleNotFoundError:
            continue
        keys |= {k for v in vars(mod).values() if isinstance(v, Scenarios) for k in v.keys_used()}
    return keys


def test_every_key_the_code_asks_for_exists():
    literal, _ = key_arguments()
    missing = sorted(k for k in literal if k not in TEXT["en"])
    assert not missing, missing


def test_scenario_keys_exist():
    missing = sorted(k for k in scenario_keys() if k not in TEXT["en"])
    assert not missing, missing


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_placeholder_key_in_a_family_pattern(lang):
    _, families = key_arguments()
    assert all(re.fullmatch(r"[a-z0-9_{}]+", f) for f in families), families


def expansions() -> dict[str, tuple]:
    """Each run-time family of keys -> the values it is built with, from the registry they come
    from. A family the code builds that is missing here fails ``test_every_family_is_expanded``."""
    from explorer import images, nets
    from explorer.adversarial import compute as adversarial
    from explorer.archive import teach
    from explorer.attention import compute as attention
    from explorer.basics import backprop, data2d, neuron, surfaces
    from explorer.basics import compute as basics
    from explorer.basics.scenarios import COMPARE_KEYS
    from explorer.embeddings import compute as embeddings
    from explorer.filters import convolution
    from explorer.saliency import compute as saliency
    from explorer.tabs import TAB_IDS
    from explorer.train import augment
    from explorer.train import compute as training
    from explorer.ui import basics as basics_ui
    from explorer.ui import embeddings as embeddings_ui
    from explorer.ui import filters as filters_ui
    from explorer.ui import send
    from explorer.ui import train as train_ui
    from models.cnn import ACTIVATIONS
    from tests.unit.test_scenarios_common import WITHOUT_SCENARIOS

    pickers = tuple(tab for tab in TAB_IDS if tab not in WITHOUT_SCENARIOS)  # the tabs with a scenario picker

    return {
        "tab_{}": TAB_IDS,
        "net_{}": (*nets.NETS, "fashion_adv", "archive"),
        "src_{}": images.SOURCES,
        "sample_{}": tuple(images.SAMPLES),
        "field_{}": tuple(training.PARAMS),
        "send_which_{}": send.WHICH,
        "{}_scn_label": pickers,
        "{}_scn_info": tuple(tab for tab in pickers if tab != "train"),  # the Train tab's picker has no info line
        "train_{}": tuple(train_ui.SHARE_KEYS.values()),
        "train_act_{}": ACTIVATIONS,
        "train_aug_{}": augment.AUGMENTATIONS,
        "train_opt_{}": training.OPTIMIZERS,
        "train_sched_{}": training.SCHEDULES,
        "train_ds_{}": training.DATASET_NAMES,
        "train_status_done_{}": training.REASONS,
        "conv_{}_label": ("conv", "dw", "pw"),  # filters.views.conv_label: regular, depthwise, pointwise
        "filters_kp_{}": (*filters_ui.PRESET_ORDER, "custom"),
        "filters_pad_{}": convolution.PADDINGS,
        "filters_poolm_{}": convolution.POOL_MODES,
        "filters_kind_{}": ("conv", "act", "pool", "stem", "block", "head"),  # nets.Stage.kind
        "filters_gray_{}": ("as_is", "signed", "range"),  # filters.views.to_gray_image: how values map to grey
        # the preprocessing steps' names (images.to_gray28, nets.Net.prepare)
        "filters_prep_{}": ("original", "trimmed", "grayscale", "inverted", "contrast", "resized", "resized_224",
                            "dataset", "exact28"),
        "saliency_m_{}": saliency.METHODS,
        "saliency_base_{}": saliency.IG_BASELINES,
        "adversarial_method_{}": adversarial.METHODS,
        "attention_unit_{}": attention.UNITS,
        "attention_model_{}": attention.MODELS,
        "attention_tokens_{}": attention.MODELS,
        "attention_pat_{}": (*attention.PATTERNS, "broad"),
        "embeddings_m_{}": embeddings.METHODS,
        "embeddings_src_{}": embeddings_ui.SOURCES,
        "embeddings_prog_run_{}": embeddings_ui.PROGRESS_RUNS,
        "diffusion_sched_{}": ("linear", "cosine"),
        "archive_teach_m_{}": teach.METHODS,
        "archive_teach_x_{}": ("step", "epoch"),  # archive.views.teach_figure: the linear way counts steps
        "basics_activation_{}": basics.ACTIVATIONS,
        "basics_optimizer_{}": basics.OPTIMIZERS,
        "basics_bp_loss_{}": backprop.LOSSES,
        "basics_class_{}": tuple(range(data2d.MAX_CLASSES)),
        "basics_ds_{}": data2d.DATASETS,
        "basics_source_{}": basics_ui.SOURCES,
        "basics_fn_{}": surfaces.FUNCTIONS,
        "basics_fn_{}_info": surfaces.FUNCTIONS,
        "basics_opt_{}": surfaces.OPTIMIZERS,
        "basics_neuron_act_{}": tuple(neuron.ACTIVATIONS),
        "basics_perc_ds_{}": tuple(neuron.DATASETS),
        "basics_land_dir1_{}": ("random", "pca"), "basics_land_dir2_{}": ("random", "pca"),
        "basics_land_plane_title_{}": ("random", "pca"),
        "basics_{}": ("train", "test", "train_loss", "test_loss", "test_acc"),  # basics.views: splits, curves
        "basics_{}_label": COMPARE_KEYS,  # ui.basics: the compared setting's name
        # the Fundamentos tab's range checks, raised as InputError(f"basics_{kind}")
        "err_basics_{}": ("points", "noise", "classes", "seed", "test_share", "neurons", "layers", "lr", "batch",
                          "steps", "l1", "l2", "dropout", "beta", "noise", "start"),
        "err_img_{}": (), "err_{}": (), "{}{}": (),  # errors: expanded from the raised kinds (error_keys)
    }


def error_keys() -> set[str]:
    """The message of every error the logic raises with a literal kind (ui.common._translate)."""
    from explorer.ui.common import ERROR_KEYS

    prefix = {"InputError": "err_", "TextError": "err_", "ConfigError": "err_", "ImageError": "err_img_",
              **ERROR_KEYS}
    return {prefix[cls] + kind for cls, kind in raised_kinds() if cls in prefix}


def test_every_family_is_expanded():
    _, families = key_arguments()
    assert not families - set(expansions()), sorted(families - set(expansions()))


def test_every_expanded_key_exists():
    want = {pattern.replace("{}", str(v), 1) if pattern.count("{}") == 1 else None
            for pattern, values in expansions().items() for v in values}
    want.discard(None)
    missing = sorted((want | error_keys()) - set(TEXT["en"]))
    assert not missing, missing


def test_no_key_is_unused():
    """Every key is asked for somewhere: at a key argument, in a family, as an error's message, by
    a scenario, or as a string of the code (a table of keys)."""
    literal, _ = key_arguments()
    expanded = {pattern.replace("{}", str(v), 1) for pattern, values in expansions().items() for v in values
                if pattern.count("{}") == 1}
    strings = set()
    for path in SOURCES:
        if path.name != "i18n.py":
            strings |= {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)
                        and isinstance(n.value, str)}
    used = literal | expanded | error_keys() | scenario_keys() | strings
    unused = sorted(set(TEXT["en"]) - used)
    assert not unused, unused
