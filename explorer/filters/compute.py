"""What a convolutional network sees: its filters, its feature maps, its prediction, and the input
that excites one of its channels most. Pure logic (torch + numpy), no UI.

Three networks share one interface, :class:`Net`: the shipped Fashion-MNIST CNN, the model trained
in the user's session, and EfficientNet-Lite0 pretrained on ImageNet. Feature maps are captured with
forward hooks that are always removed (pytorch-grad-cam's practice); a shared network is hooked
under its own lock, so two users never see each other's activations.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explorer import images
from explorer.nets import Net, forward_to, gaussian_blur, imagenet, probabilities, shipped_cnn, to_tensor, top_k

MAX_TILES = 64  # feature-map channels drawn at once (the strongest ones when there are more)
MAX_CHANNELS = 1280  # the widest layer of any network here (EfficientNet-Lite0's head); the API bound

# Activation maximisation: bounds the API enforces (a 2-core CPU serves a class).
MAXIMIZE_STEPS = (1, 256)
MAXIMIZE_LR = (0.005, 0.3)
MAXIMIZE_JITTER = (0, 16)
MAXIMIZE_BLUR = (0.0, 2.0)


# ------------------------------------------------------------------------------------- computing

def feature_maps(net: Net, x: torch.Tensor, layer: str) -> np.ndarray:
    """Activations (C, H, W) of ``layer`` for one input ``x`` (1, C, H, W)."""
    net.stage(layer)  # KeyError for an unknown layer
    with net.lock, torch.inference_mode():
        got, _ = forward_to(net, x, [layer], stop_after=layer)
    return got[layer][0].float().numpy()


def strongest_channels(acts: np.ndarray, limit: int = MAX_TILES) -> np.ndarray:
    """Channel indices to draw: all of them when they fit, else the ``limit`` with the highest mean
    activation, in channel order."""
    c = acts.shape[0]
    if c <= limit:
        return np.arange(c)
    return np.sort(np.argsort(-acts.reshape(c, -1).mean(1))[:limit])


def conv_weights(net: Net, conv_name: str) -> np.ndarray:
    m = dict(net.module.named_modules()).get(conv_name)
    if not isinstance(m, nn.Conv2d):
        raise KeyError(conv_name)
    return m.weight.detach().float().numpy().copy()


# --------------------------------------------------------------------- activation maximisation

@dataclass
class MaxStep:
    step: int
    steps: int
    image: np.ndarray  # (H, W, C) float in [0, 1]
    activation: float  # the objective: mean of the channel (pre-activation for an activation layer)


_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.GELU, nn.SiLU)


def _objective_point(net: Net, layer: str) -> tuple[str, bool]:
    """Where to measure the channel during ascent: a ReLU that is off everywhere has no gradient,
    so for an activation layer (or a pooling right after one) we raise the activation's input, the
    pre-activation, which moves the activation the same way."""
    modules = dict(net.module.named_modules())
    names = [n for n, _, _ in net.stage_points]
    i = names.index(layer)
    if isinstance(modules[layer], (nn.MaxPool2d, nn.AvgPool2d)) and i > 0:
        i -= 1
    if isinstance(modules[names[i]], _ACTIVATIONS):
        return names[i], True
    return layer, False


def maximize(net: Net, layer: str, channel: int, steps: int = 96, lr: float = 0.05, jitter: int = 4,
             blur: float = 0.5, seed: int = 0, size: int | None = None, every: int = 8,
             stop: threading.Event | None = None) -> Iterator[MaxStep]:
    """Gradient ascent on the input to raise the mean activation of ``channel`` at ``layer``
    (Erhan et al. 2009; Olah et al. 2017, "Feature Visualization"), regularised by random jitter
    and a Gaussian blur of the image every step. The image is parametrised through a sigmoid so it
    stays in [0, 1]. Yields every ``every`` steps and at the end; ``stop`` ends it early."""
    stage = net.stage(layer)
    if not 0 <= channel < stage.shape[0]:
        raise ValueError(f"channel must be 0..{stage.shape[0] - 1}, got {channel}")
    target, pre_activation = _objective_point(net, layer)
    size = size or (net.input_size if net.input_kind == "gray28" else 160)
    with net.lock:  # private: autograd and hooks touch nobody else (and no one's hooks come along)
        module = copy.deepcopy(net.module).eval()
    for m in module.modules():
        m._forward_hooks.clear()
        m._forward_pre_hooks.clear()
    module.requires_grad_(False)
    private = Net(net.key, module, net.input_kind, None, net.stage_points, net.class_names)
    gen = torch.Generator().manual_seed(int(seed))
    param = (torch.randn(1, net.in_channels, size, size, generator=gen) * 0.1).requires_grad_(True)
    opt = torch.optim.Adam([param], lr=lr)
    activation = float("nan")
    for i in range(1, steps + 1):
        if stop is not None and stop.is_set():
            break
        opt.zero_grad(set_to_none=True)
        img = torch.sigmoid(param)
        if jitter:
            dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen))
            img = torch.roll(img, shifts=(dy, dx), dims=(2, 3))
        got, _ = forward_to(private, img, [target], stop_after=target, inputs=pre_activation)
        objective = got[target][0, channel].mean()
        (-objective).backward()
        opt.step()
        activation = float(objective.detach())
        if blur > 0:
            with torch.no_grad():  # blur the image, then map it back to the parameter
                p = gaussian_blur(torch.sigmoid(param), blur).clamp(1e-4, 1 - 1e-4)
                param.copy_(torch.log(p / (1 - p)))
        if i % every == 0 or i == steps:
            yield MaxStep(i, steps, torch.sigmoid(param).detach()[0].permute(1, 2, 0).numpy().copy(),
                          activation)


def warm_up() -> None:
    """Load the shipped networks, trace their stages, run ONNX Runtime once, and draw each kind of
    view once (importing scikit-image and plotly's first figures cost ~0.4 s), so the first user
    does not wait for it."""
    from explorer.filters import views as fv

    photo = images.sample("cat")
    for net in (shipped_cnn(), imagenet()):
        stage = net.stages()[1]
        pre = net.prepare(photo)
        top = top_k(probabilities(net, pre.array[None])[0], net.class_names("en"))
        acts = feature_maps(net, to_tensor(pre), stage.name)
        fv.top5_figure(top, "en", "")
        fv.feature_map_figure(acts, strongest_channels(acts), stage, 0, "en")
        fv.channel_figure(acts[0], stage, 0, "en")
        fv.overlay(fv.network_input_image(pre), acts[0], stage)
        fv.preprocess_strip(pre, "en")
    pg = fv.run_playground(fv.playground_input(photo), fv.parse_kernel([[0, 0, 0], [0, 1, 0], [0, 0, 0]]), 1,
                           "same", None, None)
    fv.playground_images(pg, "en")
    fv.products_figure(pg.pixel, "en")
