"""explorer.filters.compute: stages with shapes and receptive fields, feature maps that equal a hand-written
forward, hooks that never outlive a call, ORT = torch, and activation maximisation that works."""
import gc
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from explorer import images, nets
from explorer.filters import compute as filters
from explorer.nets import receptive_fields
from models.cnn import CNNConfig, SmallCNN


def _hooks(module: torch.nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.fixture(scope="module")
def cnn():
    return nets.shipped_cnn()


@pytest.fixture(scope="module")
def eff():
    return nets.imagenet()


def test_shipped_cnn_stages(cnn):
    st = {s.label: s for s in cnn.stages()}
    assert list(st) == ["conv1", "act1", "pool1", "conv2", "act2", "pool2"]
    assert st["conv1"].shape == (32, 28, 28) and st["pool1"].shape == (32, 14, 14)
    assert st["pool2"].shape == (64, 7, 7)
    # conv 3x3 -> pool 2/2 -> conv 3x3 -> pool 2/2, by hand: 3, 4, 8, 10 pixels; jumps 1, 2, 2, 4
    assert [st[n].receptive_field for n in ("conv1", "pool1", "conv2", "pool2")] == [3, 4, 8, 10]
    assert [st[n].jump for n in ("conv1", "pool1", "conv2", "pool2")] == [1, 2, 2, 4]
    assert st["act1"].receptive_field == st["conv1"].receptive_field
    assert _hooks(cnn.module) == 0


def test_imagenet_stages_match_the_model_card(eff):
    from models import efficientnet_lite

    stages = eff.stages()
    assert len(stages) == 18 and stages[0].shape == (32, 112, 112) and stages[-1].shape == (1280, 7, 7)
    convs = efficientnet_lite.conv_layer_info(eff.module)
    # the receptive field at the head equals the one computed conv by conv by the model module
    assert stages[-1].receptive_field == convs[-1]["receptive_field"]
    assert stages[-1].jump == 32
    rfs = [s.receptive_field for s in stages]
    assert rfs == sorted(rfs) and rfs[0] == 3
    assert receptive_fields([(3, 2)] * 2) == [3, 7]


def test_feature_maps_equal_a_hand_written_forward(cnn, fashion):
    x = fashion.test.floats(slice(3, 4))
    m = cnn.module
    with torch.no_grad():
        ref = F.conv2d(m.normalize(x), m.features.conv1.weight, m.features.conv1.bias, padding=1)
        ref_act = F.relu(m.features.bn1(ref))
    np.testing.assert_allclose(filters.feature_maps(cnn, x, "features.conv1"), ref[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(filters.feature_maps(cnn, x, "features.act1"), ref_act[0].numpy(), atol=1e-5)
    with pytest.raises(KeyError):
        filters.feature_maps(cnn, x, "features.nope")


ROUNDS, CALLS, GROWTH_MB = 3, 40, 8.0


def test_hooks_are_always_removed_and_memory_stays_flat(cnn, eff):
    """Memory as the process's resident set, in rounds of CALLS calls: a leak grows it in every
    round; a round that does not grow shows there is none. In `make test` this process also serves
    the app (its threads allocate and free meanwhile: one round of 100 calls once measured 40 MB),
    so the quietest round is what is judged (a leak of 8 MB per 40 calls, 20 MB per 100, fails)."""
    x_small = torch.rand(1, 1, 28, 28)
    x_big = torch.rand(1, 3, 224, 224)
    layer = eff.stages()[5].name
    for _ in range(10):  # warm the allocator
        filters.feature_maps(cnn, x_small, "features.act2")
        filters.feature_maps(eff, x_big, layer)
    grown = []
    for _round in range(ROUNDS):
        gc.collect()
        before = _rss_mb()
        for _i in range(CALLS):
            filters.feature_maps(cnn, x_small, "features.act2")
            filters.feature_maps(eff, x_big, layer)
            with pytest.raises(RuntimeError), nets.capture(eff.module, [layer]):  # an exception inside the block
                raise RuntimeError("boom")
        gc.collect()
        grown.append(round(_rss_mb() - before, 1))
    assert _hooks(cnn.module) == 0 and _hooks(eff.module) == 0
    assert min(grown) < GROWTH_MB, f"memory grew in every round of {CALLS} calls: {grown} MB"


def test_concurrent_users_get_their_own_activations(eff):
    layer = eff.stages()[3].name
    xs = [torch.full((1, 3, 224, 224), v) for v in (0.1, 0.9)]
    ref = [filters.feature_maps(eff, x, layer) for x in xs]
    errors = []

    def worker(i):
        for _ in range(8):
            if not np.allclose(filters.feature_maps(eff, xs[i], layer), ref[i]):
                errors.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1, 0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


def test_ort_and_torch_agree_on_probabilities(cnn, eff, fashion):
    x = fashion.test.floats(slice(0, 8)).numpy()
    with torch.inference_mode():
        ref = torch.softmax(cnn.module(torch.from_numpy(x)), 1).numpy()
    np.testing.assert_allclose(nets.probabilities(cnn, x), ref, atol=1e-5)
    pre = eff.prepare(images.sample("cat"))
    p = nets.probabilities(eff, pre.array[None])[0]
    top = nets.top_k(p, eff.class_names("es"))
    assert 281 <= top[0]["index"] <= 285 and top[0]["label"] == "Egyptian cat"
    assert abs(sum(r["probability"] for r in nets.top_k(p, eff.class_names("en"), 1000)) - 1) < 1e-6


def test_fashion_labels_follow_the_language(cnn, fashion):
    x = fashion.test.floats(slice(0, 1)).numpy()
    p = nets.probabilities(cnn, x)[0]
    es, en = nets.top_k(p, cnn.class_names("es")), nets.top_k(p, cnn.class_names("en"))
    assert es[0]["index"] == en[0]["index"] == int(fashion.test.labels[0])
    assert es[0]["label"] != en[0]["label"]


def test_session_network_is_a_frozen_private_copy():
    with pytest.raises(LookupError):
        nets.get_net("session", None)
    with pytest.raises(ValueError):
        nets.get_net("alexnet")
    model = SmallCNN(CNNConfig(filters=(8,)))
    net = nets.get_net("session", model)
    with torch.no_grad():
        model.features.conv1.weight.add_(1.0)  # the user keeps training...
    assert not torch.equal(net.module.features.conv1.weight, model.features.conv1.weight)
    assert not any(p.requires_grad for p in net.module.parameters())
    assert [s.label for s in net.stages()] == ["conv1", "act1", "pool1"]


def test_maximize_raises_the_activation_and_can_be_stopped(cnn):
    steps = list(filters.maximize(cnn, "features.act2", 5, steps=40, lr=0.1, jitter=1, blur=0.3, every=10))
    assert [s.step for s in steps] == [10, 20, 30, 40]
    assert steps[-1].activation > steps[0].activation
    assert steps[-1].image.shape == (28, 28, 1)
    assert steps[-1].image.min() >= 0 and steps[-1].image.max() <= 1
    again = list(filters.maximize(cnn, "features.act2", 5, steps=40, lr=0.1, jitter=1, blur=0.3, every=10))
    np.testing.assert_array_equal(again[-1].image, steps[-1].image)  # same seed, same picture
    stop = threading.Event()
    it = filters.maximize(cnn, "features.act2", 5, steps=200, every=5, stop=stop)
    first = next(it)
    stop.set()
    rest = list(it)
    assert first.step == 5 and rest == []
    assert _hooks(cnn.module) == 0
    with pytest.raises(ValueError):
        next(filters.maximize(cnn, "features.act2", 64))


def test_maximize_on_imagenet_forms_a_colour_image(eff):
    layer = eff.stages()[2].name
    steps = list(filters.maximize(eff, layer, 3, steps=16, lr=0.05, every=8, size=96))
    assert steps[-1].image.shape == (96, 96, 3) and steps[-1].activation > steps[0].activation
    assert _hooks(eff.module) == 0


def test_prepare_shows_each_step(cnn, eff):
    photo = Image.new("RGB", (640, 480), "white")
    pre = cnn.prepare(photo)
    assert pre.array.shape == (1, 28, 28)
    assert pre.steps[0][0] == "original"
    pre = eff.prepare(photo)
    assert pre.array.shape == (3, 224, 224) and [s for s, _ in pre.steps] == ["original", "resized_224"]


@pytest.mark.parametrize("which, stage_index, cell", [("cnn", 2, 5), ("cnn", 5, 3), ("eff", 0, 20), ("eff", 4, 10),
                                                      ("eff", 8, 6)])
def test_receptive_field_centre_and_size_match_the_gradient(cnn, eff, which, stage_index, cell):
    """Where does output cell (i, i) look? The input pixels its gradient reaches: their extent is the
    receptive field (or less, at the border) and their centre is start + i · jump, padding included
    (EfficientNet's TF "SAME" padding is asymmetric: the centres move down and right)."""
    net = cnn if which == "cnn" else eff
    stage = net.stages()[stage_index]
    torch.manual_seed(0)
    x = torch.rand(1, net.in_channels, net.input_size, net.input_size, requires_grad=True)
    module = __import__("copy").deepcopy(net.module).double()
    with nets.capture(module, [stage.name]) as got:
        module(x.double())
    got[stage.name][0, :, cell, cell].sum().backward()
    ys = np.nonzero(x.grad[0].abs().sum(0).sum(1).numpy())[0]
    centre = stage.start + cell * stage.jump
    assert (ys.min() + ys.max()) / 2 == pytest.approx(centre, abs=0.51)
    assert ys.max() - ys.min() + 1 <= stage.receptive_field
    if ys.min() > 0 and ys.max() < net.input_size - 1:  # not clipped by the border: the full field
        assert ys.max() - ys.min() + 1 == stage.receptive_field


def test_first_traces_racing_each_other_agree(cnn):
    """Tracing hooks the shared module: concurrent first calls must not see each other's hooks."""
    copies = [nets.Net("fashion", cnn.module, "gray28", None, cnn.stage_points, cnn.class_names)
              for _ in range(6)]
    for n in copies:
        n.lock = cnn.lock  # as for the one shared network
    results = []
    threads = [threading.Thread(target=lambda n=n: results.append(n.stages())) for n in copies]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r == cnn.stages() for r in results) and _hooks(cnn.module) == 0


def test_maximize_does_not_inherit_a_concurrent_users_hooks(cnn):
    with nets.capture(cnn.module, ["features.conv1"]):  # another request is mid-forward
        steps = list(filters.maximize(cnn, "features.act2", 1, steps=8, every=8))
    assert steps and _hooks(cnn.module) == 0


def test_overlay_puts_the_heat_where_the_cell_looks(eff):
    from explorer.filters import views as fv

    stage = eff.stages()[16]  # 7×7 map, jump 32
    act = np.zeros(stage.shape[1:])
    act[0, 0] = 1.0
    up = fv.upsample_to_input(act, stage, 224)
    c, j = stage.start, stage.jump
    assert c > 0 and c == int(c)  # TF "SAME" padding: cell 0 looks below and right of (0, 0)
    c = int(c)
    assert up[c, c] == pytest.approx(1) and up[c + j, c] == pytest.approx(0)
    assert up[c + j // 2, c] == pytest.approx(0.5)


def test_a_capture_on_a_shared_network_leaves_other_threads_forwards_alone():
    """A shipped network's module serves every session at once. While one request captures a layer
    and cuts its own forward short there, another thread's forward through the same module runs to
    its logits, and its activations are not recorded as the first request's (seen on a clean clone:
    an attack failed with "_Stop" while the warm-up drew feature maps of the same network)."""
    module = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    mine, theirs = torch.ones(1, 4), -torch.ones(1, 4)
    with nets.capture(module, ["0"], stop_after="0") as got:
        box = []
        other = threading.Thread(target=lambda: box.append(module(theirs)))
        other.start()
        other.join(10)
        assert len(box) == 1 and box[0].shape == (1, 2), "the other thread's forward was cut short"
        assert got == {}, "the other thread's activations were recorded as this one's"
        with pytest.raises(Exception) as stopped:  # nets._Stop (private): its name is checked below
            module(mine)
        assert type(stopped.value).__name__ == "_Stop"
    torch.testing.assert_close(got["0"], module[0](mine))
