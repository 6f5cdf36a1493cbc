"""The shipped Vision Transformer and the logic that reads its attention (models/vit.py,
explorer/attention/vit.py): ONNX Runtime agrees with torch, attention rows are distributions, the manifest's
scores hold, a tiny ViT's attention equals a hand computation, rollout equals a direct product."""
import hashlib
import json
import math
from functools import reduce
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from explorer import runtime
from explorer.attention import vit as ev
from models.vit import ViT, ViTConfig

ASSETS = Path(__file__).resolve().parents[2] / "assets"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())
ENTRY = MANIFEST["artifacts"]["vit_fashion"]


@pytest.fixture(scope="module")
def net():
    return ev.shipped()


@pytest.fixture(scope="module")
def outputs(net, fashion):
    """Torch and ORT outputs on the first 64 test images (ORT in batches of 1, 7 and 56)."""
    x = fashion.test.floats(slice(0, 64)).numpy()
    with torch.inference_mode():
        logits, att = net.module(torch.from_numpy(x), return_attention=True)
    sess = runtime.session(net.onnx)
    parts = [sess.run(None, {"x": x[a:b]}) for a, b in ((0, 1), (1, 8), (8, 64))]
    return (logits.numpy(), att.numpy(), np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]))


# ------------------------------------------------------------------------------- shipped model

def test_constants_match_the_shipped_model(net):
    c = net.cfg
    assert (c.image_size, c.patch_size, c.depth, c.heads) == (ev.IMAGE_SIZE, ev.PATCH_SIZE, ev.LAYERS, ev.HEADS)
    assert (c.grid, c.tokens) == (ev.GRID, ev.TOKENS)
    assert ENTRY["model_config"]["patch_size"] == ev.PATCH_SIZE and ENTRY["model_config"]["depth"] == ev.LAYERS
    assert ev.shipped() is net  # loaded once


def test_manifest_entry_hashes_and_recorded_scores(net):
    for fname, digest in ENTRY["sha256"].items():
        assert hashlib.sha256((ASSETS / fname).read_bytes()).hexdigest() == digest, fname
    m = ENTRY["metrics"]
    assert ENTRY["made_by"].startswith("make assets")
    assert m["test_acc"] >= 0.88
    assert m["ort_test_acc"] == pytest.approx(m["test_acc"], abs=2e-4)
    assert m["ort_max_abs_diff"] < 1e-4 and m["ort_attention_max_abs_diff"] < 1e-4
    assert net.metrics == m  # the checkpoint carries the same figures
    assert {"seed", "epochs", "lr", "batch_size"} <= set(ENTRY["train_params"])
    assert m["train_seconds"] > 0


def test_onnx_outputs_logits_and_attentions_with_dynamic_batch():
    graph = onnx.load(str(ASSETS / ENTRY["files"]["onnx"])).graph
    assert [o.name for o in graph.output] == ["logits", "attentions"]
    assert not Path(str(ASSETS / ENTRY["files"]["onnx"]) + ".data").exists()
    dim0 = graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param and not dim0.dim_value
    att_dims = [d.dim_value or d.dim_param for d in graph.output[1].type.tensor_type.shape.dim]
    assert att_dims[1:] == [ev.LAYERS, ev.HEADS, ev.TOKENS, ev.TOKENS]


def test_onnx_matches_torch_logits_and_attentions(outputs):
    logits_pt, att_pt, logits_ort, att_ort = outputs
    assert att_pt.shape == att_ort.shape == (64, ev.LAYERS, ev.HEADS, ev.TOKENS, ev.TOKENS)
    assert np.abs(logits_ort - logits_pt).max() < 1e-4
    assert np.abs(att_ort - att_pt).max() < 1e-4


def test_every_attention_row_is_a_distribution(outputs):
    _, att_pt, _, att_ort = outputs
    for att in (att_pt, att_ort):
        assert att.min() >= 0.0
        np.testing.assert_allclose(att.sum(-1), 1.0, atol=1e-5)
    # and not trivially uniform: a trained head looks somewhere
    assert att_pt.max() > 5.0 / ev.TOKENS


def test_ort_accuracy_agrees_with_the_manifest(net, fashion):
    x, y = fashion.test.floats().numpy(), fashion.test.labels.numpy()
    sess = runtime.session(net.onnx)
    pred = np.concatenate([sess.run(["logits"], {"x": x[i:i + 2000]})[0].argmax(1)
                           for i in range(0, len(y), 2000)])
    acc_2000 = float((pred[:2000] == y[:2000]).mean())
    assert acc_2000 == pytest.approx(ENTRY["metrics"]["test_acc"], abs=0.015)
    assert float((pred == y).mean()) == pytest.approx(ENTRY["metrics"]["ort_test_acc"], abs=1e-4)


def test_analyse_one_image(fashion):
    x = fashion.test.floats(slice(0, 1))
    a = ev.analyse(x)
    b = ev.analyse(x[0, 0].numpy(), backend="torch")
    assert a.attentions.shape == (ev.LAYERS, ev.HEADS, ev.TOKENS, ev.TOKENS)
    assert a.probs.shape == (10,) and a.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert a.pred == int(np.argmax(a.probs)) == b.pred
    assert np.abs(a.attentions - b.attentions).max() < 1e-4
    assert np.abs(a.logits - b.logits).max() < 1e-4
    u8 = fashion.test.images[0, 0].numpy()  # uint8 is scaled by 1/255
    np.testing.assert_array_equal(ev.analyse(u8).logits, a.logits)
    assert len(ev.class_names("es")) == 10 and ev.class_names("en")[9] == "Ankle boot"


@pytest.mark.parametrize("bad", [np.zeros((28, 27)), np.zeros((2, 1, 28, 28)), np.full((28, 28), np.nan),
                                 np.full((28, 28), 1.5), -np.ones((28, 28)), np.array("x")])
def test_analyse_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        ev.analyse(bad)


# ------------------------------------------------------------------------- CLS attention, rollout

def test_cls_attention_grid(outputs):
    att = outputs[1][3]  # (L, H, T, T) of test image 3
    for layer in range(ev.LAYERS):
        for head in [*range(ev.HEADS), "mean"]:
            m = ev.cls_attention(att, layer, head)
            assert m.shape == (ev.GRID, ev.GRID) and m.min() >= 0
            self_att = att[layer, :, 0, 0].mean() if head == "mean" else att[layer, head, 0, 0]
            assert m.sum() == pytest.approx(1.0 - self_att, abs=1e-5) and m.sum() <= 1 + 1e-6
    # row-major: patch (r, c) is token 1 + r*g + c
    np.testing.assert_array_equal(ev.cls_attention(att, 2, 1)[1, 3], att[2, 1, 0, 1 + 1 * ev.GRID + 3])
    np.testing.assert_allclose(ev.cls_attention(att, 1, "mean"),
                               np.mean([ev.cls_attention(att, 1, h) for h in range(ev.HEADS)], 0), atol=1e-7)
    for layer, head in ((ev.LAYERS, 0), (-1, 0), (0, ev.HEADS), (0, "max"), (0.5, 0), (True, 0)):
        with pytest.raises(ValueError):
            ev.cls_attention(att, layer, head)


def test_token_order_is_row_major_over_patches(net):
    """Lighting only patch (r, c) changes only token 1 + r*g + c of the embedded sequence."""
    g, p = ev.GRID, ev.PATCH_SIZE
    base = torch.zeros(1, 1, 28, 28)
    with torch.inference_mode():
        z0 = net.module.tokens(base)
        for r, c in ((0, 0), (2, 5), (6, 1)):
            x = base.clone()
            x[..., r * p:(r + 1) * p, c * p:(c + 1) * p] = 1.0
            changed = (net.module.tokens(x) - z0).abs().amax(-1)[0].nonzero().flatten().tolist()
            assert changed == [1 + r * g + c]
            assert ev.patch_of_token(changed[0]) == (r, c)
    assert ev.patch_of_token(0) is None


def _rollout_direct(att: np.ndarray) -> np.ndarray:
    """Abnar & Zuidema: (A + I) / 2 with A the head mean, rows renormalised, R = Ã_L ··· Ã_1."""
    eye = np.eye(att.shape[-1])
    mats = []
    for layer in att.astype(np.float64):
        m = (layer.mean(0) + eye) / 2
        mats.append(m / m.sum(1, keepdims=True))
    return reduce(lambda acc, m: m @ acc, mats, eye)


def test_rollout_equals_direct_computation_and_rows_sum_to_one(outputs):
    rng = np.random.default_rng(0)
    random_att = rng.dirichlet(np.full(17, 0.3), size=(3, 2, 17)).astype(np.float32)  # a 4x4 grid
    for att in (outputs[1][5], outputs[3][5], random_att):
        r = ev.rollout(att)
        direct = _rollout_direct(att)
        np.testing.assert_allclose(r.matrix, direct, atol=1e-10)
        np.testing.assert_allclose(r.matrix.sum(1), 1.0, atol=1e-10)
        g = ev.grid_size(att)
        np.testing.assert_allclose(r.cls_map, direct[0, 1:].reshape(g, g))
    # layer order matters, and the first layer alone is one mixed matrix
    att = outputs[1][5]
    assert not np.allclose(ev.rollout(att).matrix, _rollout_direct(att[::-1]), atol=1e-4)
    np.testing.assert_allclose(ev.rollout(att, layers=1).matrix, _rollout_direct(att[:1]), atol=1e-10)
    with pytest.raises(ValueError):
        ev.rollout(att, layers=0)
    with pytest.raises(ValueError):
        ev.rollout(att[0])


# ------------------------------------------------------------------- a tiny ViT by hand

def _tiny(depth: int = 2) -> ViT:
    """4x4 images, 2x2 patches: a 2x2 grid, T = 5 tokens, width 4, 2 heads of 2."""
    torch.manual_seed(0)
    m = ViT(ViTConfig(image_size=4, patch_size=2, dim=4, depth=depth, heads=2, mlp_ratio=1.5,
                      num_classes=3, mean=0.5, std=0.25)).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape) * 0.7)
    return m


def _ln(x, w, b, eps=1e-5):
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _manual(m: ViT, img: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The forward pass in numpy from the weights, softmax(QKᵀ/√d) head by head."""
    sd = {k: v.detach().double().numpy() for k, v in m.state_dict().items()}
    c = m.cfg
    x = (img - c.mean) / c.std
    g, p, d, hd = c.grid, c.patch_size, c.dim, c.head_dim
    w_pe = sd["patch_embed.weight"].reshape(d, -1)
    patches = [x[r * p:(r + 1) * p, q * p:(q + 1) * p].reshape(-1) for r in range(g) for q in range(g)]
    z = np.vstack([sd["cls_token"][0], np.stack([w_pe @ v + sd["patch_embed.bias"] for v in patches])])
    z = z + sd["pos_embed"][0]
    atts = []
    for i in range(c.depth):
        k_ = f"blocks.{i}."
        h = _ln(z, sd[k_ + "norm1.weight"], sd[k_ + "norm1.bias"])
        qkv = h @ sd[k_ + "attn.qkv.weight"].T + sd[k_ + "attn.qkv.bias"]
        heads_out, layer_att = [], []
        for j in range(c.heads):
            q = qkv[:, j * hd:(j + 1) * hd]
            k = qkv[:, d + j * hd:d + (j + 1) * hd]
            v = qkv[:, 2 * d + j * hd:2 * d + (j + 1) * hd]
            s = q @ k.T / math.sqrt(hd)
            a = np.exp(s - s.max(1, keepdims=True))
            a /= a.sum(1, keepdims=True)
            layer_att.append(a)
            heads_out.append(a @ v)
        atts.append(np.stack(layer_att))
        z = z + np.hstack(heads_out) @ sd[k_ + "attn.proj.weight"].T + sd[k_ + "attn.proj.bias"]
        h = _ln(z, sd[k_ + "norm2.weight"], sd[k_ + "norm2.bias"])
        h = h @ sd[k_ + "mlp.0.weight"].T + sd[k_ + "mlp.0.bias"]
        h = 0.5 * h * (1 + np.vectorize(math.erf)(h / math.sqrt(2)))  # exact GELU
        z = z + h @ sd[k_ + "mlp.3.weight"].T + sd[k_ + "mlp.3.bias"]
    logits = _ln(z[0], sd["norm.weight"], sd["norm.bias"]) @ sd["head.weight"].T + sd["head.bias"]
    return logits, atts


def test_tiny_vit_attention_equals_hand_computation():
    m = _tiny()
    img = np.random.default_rng(1).random((4, 4))
    with torch.no_grad():
        logits, att = m(torch.tensor(img, dtype=torch.float32)[None, None], return_attention=True)
    assert att.shape == (1, 2, 2, 5, 5)
    ref_logits, ref_atts = _manual(m, img)
    np.testing.assert_allclose(att[0].numpy(), np.stack(ref_atts), atol=1e-5)
    np.testing.assert_allclose(logits[0].numpy(), ref_logits, atol=1e-4)
    assert att[0].std() > 0.05  # the random weights give non-uniform attention


def test_tiny_vit_with_constant_queries_and_keys_attends_uniformly():
    """Zero Q/K weights: every score is the same constant, so every weight is exactly 1/T."""
    m = _tiny(depth=1)
    with torch.no_grad():
        m.blocks[0].attn.qkv.weight[:8].zero_()  # rows 0-3 make Q, 4-7 make K
    with torch.no_grad():
        _, att = m(torch.rand(3, 1, 4, 4), return_attention=True)
    np.testing.assert_allclose(att.numpy(), 1 / 5, atol=1e-6)
    r = ev.rollout(att[0].numpy())  # uniform mixing: every token ends half itself, half the mean
    np.testing.assert_allclose(r.matrix, 0.5 * np.eye(5) + 0.1, atol=1e-6)


# ----------------------------------------------------------------------------------- drawing

def test_grid_image_draws_the_patch_grid(fashion):
    x = np.zeros((28, 28), dtype=np.float32)
    im = ev.grid_image(x)
    a = np.asarray(im)
    assert im.size == (ev.SIDE, ev.SIDE) and a.shape == (ev.SIDE, ev.SIDE, 3)
    cell = ev.SIDE // ev.GRID
    assert tuple(a[10, cell]) == (0, 200, 255) and tuple(a[cell * 3, 10]) == (0, 200, 255)
    assert tuple(a[10, 10]) == (0, 0, 0)
    assert ev.grid_image(fashion.test.floats(slice(0, 1)), numbers=True).size == (ev.SIDE, ev.SIDE)
    with pytest.raises(ValueError):
        ev.grid_image(x, side=100)


def test_heat_overlay_colours_the_hot_patch_only():
    x = np.full((28, 28), 0.5, dtype=np.float32)
    m = np.zeros((ev.GRID, ev.GRID))
    m[2, 3] = 1.0
    cell = ev.SIDE // ev.GRID
    a = np.asarray(ev.heat_overlay(x, m, grid_lines=False)).astype(int)
    hot = a[2 * cell + cell // 2, 3 * cell + cell // 2]
    cold = a[5 * cell + cell // 2, 1 * cell + cell // 2]
    assert cold[0] == cold[1] == cold[2]  # untouched gray
    assert hot[0] - hot[2] > 50  # inferno's bright end is yellow: red >> blue
    block = a[2 * cell:3 * cell, 3 * cell:4 * cell]
    assert (block == block[0, 0]).all()  # nearest: one colour per patch
    up = ev.upsample(m, 28, "bilinear")
    assert up.shape == (28, 28) and 0 < up[7, 11] < 1  # bilinear leaks into the neighbours
    np.testing.assert_array_equal(ev.upsample(m, 28)[8:12, 12:16], 1.0)
    with pytest.raises(ValueError):
        ev.upsample(m, 28, "bicubic")
