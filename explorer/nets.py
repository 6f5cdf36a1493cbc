"""The networks every image tab shares, behind one interface (:class:`Net`): the shipped
Fashion-MNIST CNN, the model trained in the user's session, and EfficientNet-Lite0 pretrained on
ImageNet — each with its stages (where feature maps can be read, their shapes and receptive
fields), its class names, and its forward-only path through ONNX Runtime. Hooks that read a
network's activations are always removed (pytorch-grad-cam's practice); a shared network is hooked
under its own lock, so two users never see each other's activations. Pure logic (torch + numpy).
"""
from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from explorer import data, images, runtime

ASSETS = Path(__file__).resolve().parents[1] / "assets"
NETS = ("fashion", "session", "imagenet")  # what get_net builds, besides the robust CNN ("fashion_adv")
TOP_K = 5


@dataclass
class Stage:
    """A point where the tab can show feature maps: a module's output and what it sees."""
    name: str  # dotted module name inside the network
    label: str  # short human label ("conv1", "block 3 (MBConv 5×5)")
    kind: str  # conv | act | pool | block | stem | head
    shape: tuple[int, int, int]  # (C, H, W) for the network's input size
    receptive_field: int  # input pixels seen by one output pixel (Araujo et al. 2019)
    jump: int  # input pixels between neighbouring output pixels (product of strides)
    start: float = 0.0  # input coordinate of the centre of output pixel 0 (padding shifts it)


@dataclass
class ConvInfo:
    name: str
    out_channels: int
    in_channels: int
    kernel: int
    stride: int
    groups: int

    @property
    def depthwise(self) -> bool:
        return self.groups > 1 and self.groups == self.in_channels


@dataclass
class Net:
    key: str  # fashion | session | imagenet
    module: nn.Module  # eval mode; never trained here
    input_kind: str  # gray28 | rgb224
    onnx: Path | None  # forward-only path through ONNX Runtime, when shipped
    stage_points: list[tuple[str, str, str]]  # (module name, label, kind) in forward order
    class_names: Callable[[str], list[str]]  # lang -> names
    # Re-entrant: stages() may be first asked for inside feature_maps(), which holds it.
    lock: threading.RLock = field(default_factory=threading.RLock)
    _stages: list[Stage] | None = None

    @property
    def input_size(self) -> int:
        return 28 if self.input_kind == "gray28" else 224

    @property
    def normalization(self) -> tuple[float, float]:
        """(mean, std) the network subtracts and divides by inside (``module.normalize``)."""
        n = self.module.normalize
        return float(n.mean), float(n.std)

    @property
    def in_channels(self) -> int:
        return 1 if self.input_kind == "gray28" else 3

    def stages(self) -> list[Stage]:
        if self._stages is None:
            with self.lock:  # the trace hooks the shared module: nobody else may run it meanwhile
                if self._stages is None:
                    self._stages = _trace_stages(self)
        return self._stages

    def stage(self, name: str) -> Stage:
        for s in self.stages():
            if s.name == name:
                return s
        raise KeyError(name)

    def convs(self) -> list[ConvInfo]:
        return [ConvInfo(n, m.out_channels, m.in_channels, m.kernel_size[0], m.stride[0], m.groups)
                for n, m in self.module.named_modules() if isinstance(m, nn.Conv2d)]

    def prepare(self, img, from_dataset: bool = False) -> images.Preprocessed:
        """The input as this network receives it, with the steps that made it. A Fashion-MNIST
        image goes to a 28×28 network exactly as it is in the dataset."""
        if self.input_kind == "gray28":
            if from_dataset:
                arr = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
                return images.Preprocessed(array=arr[None], steps=[("dataset", images.enlarge(img))],
                                           notes={"source": "dataset"})
            # a 28×28 grey image on a dark ground like Fashion-MNIST's, shown enlarged (the
            # Adversarial tab's attacked image, sent on): its pixels as they are; trimming and
            # resizing it would smear what the attack changed. (A light-ground one is converted.)
            exact = images.exact_gray28(img)
            if exact is not None and _dark_ground(exact[0]):
                small = Image.fromarray((exact[0] * 255.0).round().astype(np.uint8), "L")
                return images.Preprocessed(array=exact, steps=[("exact28", images.enlarge(small))],
                                           notes={"source": "exact28"})
            return images.to_gray28(img)
        from models import efficientnet_lite
        steps = efficientnet_lite.preprocess_steps(img)  # the model's own eval transform
        return images.Preprocessed(
            array=steps["tensor"][0].numpy(),
            steps=[("original", steps["original"]), ("resized_224", steps["input"])],
            notes={"mode": steps["mode"], "original_size": list(steps["original"].size)})


def _dark_ground(a: np.ndarray) -> bool:
    """Whether a (28, 28) image in [0, 1] has Fashion-MNIST's black ground (its edge pixels, median)."""
    edge = np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])
    return float(np.median(edge)) <= 0.1


# ---------------------------------------------------------------------------------------- networks

def _cnn_stage_points(model: nn.Module) -> list[tuple[str, str, str]]:
    points = []
    for name, m in model.features.named_children():
        kind = ("conv" if isinstance(m, nn.Conv2d) else "pool" if isinstance(m, nn.MaxPool2d)
                else "norm" if isinstance(m, nn.BatchNorm2d) else "act")
        if kind != "norm":  # batch norm only rescales the conv output; the activation shows it
            points.append((f"features.{name}", name, kind))
    return points


def names_of(dataset: str) -> Callable[[str], list[str]]:
    """lang -> the data set's class names (English for an unknown language)."""
    table = data.FASHION_CLASSES if dataset == "fashion" else data.DIGIT_CLASSES
    return lambda lang: list(table[lang if lang in table else "en"])


fashion_names = names_of("fashion")


_build_lock = threading.Lock()  # one Net per shipped network, even when two first calls race


def once(fn):
    cached = lru_cache(maxsize=1)(fn)

    def wrapper():
        with _build_lock:
            return cached()
    wrapper.cache_clear = cached.cache_clear
    wrapper.__doc__ = fn.__doc__
    return wrapper


@once
def shipped_cnn() -> Net:
    """The shipped Fashion-MNIST CNN (assets/cnn_fashion.pt; ONNX Runtime serves its predictions)."""
    from models.cnn import load_checkpoint
    model, _ = load_checkpoint(ASSETS / "cnn_fashion.pt")
    model.requires_grad_(False)
    net = Net("fashion", model, "gray28", ASSETS / "cnn_fashion.onnx", _cnn_stage_points(model),
              fashion_names)
    net.stages()
    return net


def session_cnn(model: nn.Module, dataset: str = "fashion") -> Net:
    """A private, frozen copy of the user's model (it may still be training in another thread),
    labelled with the classes of the data set it was trained on."""
    snap = copy.deepcopy(model).eval().to(memory_format=torch.contiguous_format)
    snap.requires_grad_(False)
    return Net("session", snap, "gray28", None, _cnn_stage_points(snap), names_of(dataset))


@once
def imagenet() -> Net:
    """EfficientNet-Lite0 pretrained on ImageNet (assets/efficientnet_lite0.onnx for predictions)."""
    from models import efficientnet_lite as eff
    model = eff.load_pretrained()
    model.requires_grad_(False)
    names = eff.class_names()
    points = []
    for row in eff.stage_info(model):
        if row["kind"] == "block":  # B4 · MBConv6 5×5: block number, expansion, depthwise kernel
            label = f"B{row['block']} · MBConv{row['expand']} {row['kernel']}×{row['kernel']}"
        else:
            label = "stem · conv 3×3" if row["kind"] == "stem" else "head · conv 1×1"
        points.append((row["name"], label, row["kind"]))
    net = Net("imagenet", model, "rgb224", ASSETS / "efficientnet_lite0.onnx", points, lambda lang: names)
    net.stages()
    return net


@once
def robust_cnn() -> Net:
    """The adversarially trained Fashion-MNIST CNN (assets/cnn_fashion_adv.pt, PGD training, built
    by ``make assets``): loaded once per process, frozen, shared."""
    from models.cnn import load_checkpoint

    model, _ = load_checkpoint(ASSETS / "cnn_fashion_adv.pt")
    model.requires_grad_(False)
    return Net("fashion_adv", model, "gray28", ASSETS / "cnn_fashion_adv.onnx", _cnn_stage_points(model),
                       fashion_names)


def get_net(key: str, session_model: nn.Module | None = None, dataset: str = "fashion") -> Net:
    if key == "fashion":
        return shipped_cnn()
    if key == "imagenet":
        return imagenet()
    if key == "fashion_adv":
        return robust_cnn()
    if key == "session":
        if session_model is None:
            raise LookupError("no model has been trained in this session")
        return session_cnn(session_model, dataset)
    raise ValueError(f"unknown network {key!r}; choose one of {NETS}")


# ----------------------------------------------------------------------------------------- hooks

@contextlib.contextmanager
def capture(module: nn.Module, names: list[str], stop_after: str | None = None,
            inputs: bool = False) -> Iterator[dict[str, torch.Tensor]]:
    """Record the outputs (or, with ``inputs``, the first inputs) of the named submodules during
    the forwards run inside the block. The hooks are removed on exit, whatever happens inside. With
    ``stop_after``, the forward is cut short once that module has run (the rest of the network is
    not computed).

    A shipped network's module is shared by every session, and a hook on it sees every thread's
    forward: the hooks act only on the forwards of the thread that installed them (another
    student's attack through the same network was cut short by this one's ``stop_after``, and
    another's image could have been recorded here)."""
    found = dict(module.named_modules())
    missing = [n for n in names if n not in found]
    if missing:
        raise KeyError(f"no such layer: {missing}")
    out: dict[str, torch.Tensor] = {}
    handles = []
    owner = threading.get_ident()

    def hook(name: str):
        def fn(_m, inp, output):
            if threading.get_ident() != owner:
                return
            out[name] = inp[0] if inputs else output
            if name == stop_after:
                raise _Stop
        return fn

    try:
        for n in names:
            handles.append(found[n].register_forward_hook(hook(n)))
        yield out
    finally:
        for h in handles:
            h.remove()


class _Stop(Exception):
    """Raised by a hook to end a forward early; caught by :func:`forward_to`."""


def forward_to(net: Net, x: torch.Tensor, names: list[str], stop_after: str | None = None,
               inputs: bool = False) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
    """Outputs (or inputs) of ``names`` for input ``x`` and the logits (None when stopped early)."""
    with capture(net.module, names, stop_after, inputs) as got:
        try:
            logits = net.module(x)
        except _Stop:
            logits = None
    return got, logits


def _trace_stages(net: Net) -> list[Stage]:
    """Shapes and receptive fields of every stage, from one forward of a blank input. The
    receptive field follows the main path: every conv and pooling layer run before the stage's
    output (a residual shortcut adds nothing to it)."""
    module = net.module
    chain: list[tuple[int, int, int]] = []  # (kernel, stride, padding before) in forward order
    at_stage: dict[str, int] = {}  # stage -> len(chain) at its output
    shapes: dict[str, tuple[int, int, int]] = {}
    handles = []
    wanted = {n for n, _, _ in net.stage_points}

    def first(v) -> int:
        return int(v if isinstance(v, int) else v[0])

    owner = threading.get_ident()  # the module may be shared: only this thread's forward counts

    def on_layer(m, inp, _out):
        if threading.get_ident() != owner:
            return
        k, s = first(m.kernel_size), first(m.stride)
        pad = first(m.padding)
        if hasattr(m, "same_padding") or type(m).__name__ == "Conv2dSame":  # TF "SAME": asymmetric
            from models.efficientnet_lite import same_padding
            pad = same_padding(int(inp[0].shape[-2]), k, s)[0]
        chain.append((k, s, pad))

    def on_stage(name):
        def fn(_m, _inp, out):
            if threading.get_ident() != owner:
                return
            shapes[name] = tuple(int(v) for v in out.shape[1:])
            at_stage[name] = len(chain)
        return fn

    try:
        for n, m in module.named_modules():
            if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                handles.append(m.register_forward_hook(on_layer))
            if n in wanted:
                handles.append(m.register_forward_hook(on_stage(n)))
        with torch.no_grad():
            module(torch.zeros(1, net.in_channels, net.input_size, net.input_size))
    finally:
        for h in handles:
            h.remove()
    rfs = receptive_fields([(k, s) for k, s, _ in chain])
    jumps, starts, j, start = [], [], 1, 0.0
    for k, s, p in chain:  # Araujo et al. 2019, eq. 3: u_l = u_{l-1} + ((k_l - 1) / 2 - p_l) j_{l-1}
        start += ((k - 1) / 2 - p) * j
        j *= s
        jumps.append(j)
        starts.append(start)
    stages = []
    for name, label, kind in net.stage_points:
        n = at_stage[name]
        stages.append(Stage(name, label, kind, shapes[name], int(rfs[n - 1]) if n else 1,
                            int(jumps[n - 1]) if n else 1, float(starts[n - 1]) if n else 0.0))
    return stages


# ------------------------------------------------------------------------------------- forward

def to_tensor(pre: images.Preprocessed) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(pre.array, dtype=np.float32))[None]


def probabilities(net: Net, x: np.ndarray) -> np.ndarray:
    """Class probabilities for a batch ``x`` (B, C, H, W) in [0, 1]: ONNX Runtime for a shipped
    network, torch for the session's."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if net.onnx is not None and net.onnx.is_file():
        logits = runtime.run(net.onnx, x)
    else:
        with net.lock, torch.inference_mode():
            logits = net.module(torch.from_numpy(x)).numpy()
    return runtime.softmax(logits.astype(np.float64))


def top_k(probs: np.ndarray, names: list[str], k: int = TOP_K) -> list[dict[str, Any]]:
    order = np.argsort(-probs)[:k]
    return [{"index": int(i), "label": names[int(i)], "probability": float(probs[i])} for i in order]


# ---------------------------------------------------------------------------------- tensor ops

def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A separable Gaussian blur of a batch (B, C, H, W), edges reflected."""
    if sigma <= 0:
        return x
    r = max(1, round(2 * sigma))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    g = torch.exp(-(t ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    c = x.shape[1]
    x = nn.functional.conv2d(nn.functional.pad(x, (r, r, 0, 0), mode="reflect"),
                             g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return nn.functional.conv2d(nn.functional.pad(x, (0, 0, r, r), mode="reflect"),
                                g.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def receptive_fields(layers: list[tuple[int, int]]) -> list[int]:
    """Receptive field (in input pixels) after each layer of a stack of ``(kernel, stride)`` layers:
    r_l = r_{l−1} + (k_l − 1)·j_{l−1}, with j the product of the earlier strides (Araujo et al. 2019,
    "Computing receptive fields of convolutional neural networks", eq. 2). Two 3x3 convolutions see
    5x5, as the notes' VGG slide says."""
    r, jump, out = 1, 1, []
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
        out.append(r)
    return out
