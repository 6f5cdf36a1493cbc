"""The Fundamentos playground's training steps, compiled by numba (explorer.basics.compute.train
calls :func:`run` through ``compute.steps_kernel``, which imports this module on the first run).

The arithmetic of ``compute.MLP.forward``, ``MLP.backward`` and ``FlatOptimizer.step``, in float32
as theirs, number by number instead of array by array. On these networks the numpy loop's cost is
the overhead of ~40 small operations a step: 500 steps of a 2-8-8-2 network take ~5 ms here
against ~90 ms (bench/bench_basics.py: the whole run's training 97 → 28 ms, with the recorded
steps' evaluations batched in compute). Equal to the numpy steps to float32's rounding
(tests/unit/test_basics_playground.py).

The functions are the module's own (not made inside another function): numba keys its disk cache
by a function's code and the values it closes over, and a closure over other compiled functions
got a new key in every process, so every process compiled again (25 s).
"""
from __future__ import annotations

import math

import numba
import numpy as np

# compiled once per machine and kept in numba's disk cache; without the GIL (the worker processes
# run one at a time anyway)
jit = numba.njit(cache=True, nogil=True)


@jit
def act_fn(z, act):
    if act == 0:
        return z if z > 0 else np.float32(0)
    if act == 1:
        return np.tanh(z)
    if act == 2:
        return np.float32(1) / (np.float32(1) + np.exp(-z))
    return z


@jit
def forward(theta, sizes, woff, coff, act, xb, out, pre, mask, use_mask):
    """Rows of ``xb`` → every layer's output in ``out`` (columns coff[l]:coff[l + 1]; layer 0 the
    input, hidden layers after dropout, the logits last) and the hidden activations before
    dropout in ``pre``."""
    n, nl = xb.shape[0], len(sizes) - 1
    for i in range(n):
        for j in range(sizes[0]):
            out[i, j] = xb[i, j]
    for li in range(nl):
        nin, nout = sizes[li], sizes[li + 1]
        w0, c_in, c_out = woff[li], coff[li], coff[li + 1]
        b0 = w0 + nin * nout
        for i in range(n):
            for o in range(nout):
                s = np.float32(0)
                for k in range(nin):
                    s += out[i, c_in + k] * theta[w0 + o * nin + k]
                s += theta[b0 + o]
                if li == nl - 1:
                    out[i, c_out + o] = s
                else:
                    a = act_fn(s, act)
                    pre[i, c_out + o] = a
                    out[i, c_out + o] = a * mask[i, c_out + o] if use_mask else a


@jit
def run(theta, m, v, t0, sizes, act, opt, lr, l1, l2, x, y, batches, masks, use_mask, rec_steps, r, snaps):
    """Steps t0 + 1 … t0 + len(batches); the weights at each step of ``rec_steps`` from index
    ``r`` on (step 0's too, when t0 is 0) in ``snaps``. Returns the next index of ``rec_steps``."""
    nl = len(sizes) - 1
    woff = np.zeros(nl + 1, np.int64)
    coff = np.zeros(nl + 2, np.int64)
    for li in range(nl):
        woff[li + 1] = woff[li] + sizes[li] * sizes[li + 1] + sizes[li + 1]
    for li in range(nl + 1):
        coff[li + 1] = coff[li] + sizes[li]
    bs, k, width, widest = batches.shape[1], sizes[nl], coff[nl + 1], sizes.max()
    out = np.zeros((bs, width), np.float32)
    pre = np.zeros((bs, width), np.float32)
    xb = np.zeros((bs, sizes[0]), np.float32)
    g = np.zeros((bs, widest), np.float32)  # the loss's gradient at a layer's output, then its input
    gh = np.zeros((bs, widest), np.float32)
    grad = np.zeros_like(theta)
    one, c_log = np.float32(1), coff[nl]
    for j in range(-1, batches.shape[0]):
        step = t0 + j + 1
        if j >= 0:
            mask = masks[j] if use_mask else masks[0]
            for i in range(bs):
                for q in range(sizes[0]):
                    xb[i, q] = x[batches[j, i], q]
            forward(theta, sizes, woff, coff, act, xb, out, pre, mask, use_mask)
            for i in range(bs):  # softmax − one-hot, over the batch's size
                mx = out[i, c_log]
                for o in range(1, k):
                    mx = max(mx, out[i, c_log + o])
                s = np.float32(0)
                for o in range(k):
                    g[i, o] = np.exp(out[i, c_log + o] - mx)
                    s += g[i, o]
                for o in range(k):
                    g[i, o] = g[i, o] / s
                g[i, y[batches[j, i]]] -= one
                for o in range(k):
                    g[i, o] = g[i, o] / np.float32(bs)
            for li in range(nl - 1, -1, -1):
                nin, nout = sizes[li], sizes[li + 1]
                w0, c_in = woff[li], coff[li]
                b0 = w0 + nin * nout
                if li < nl - 1:  # a hidden layer: back through its dropout and its activation
                    c_out = coff[li + 1]
                    for i in range(bs):
                        for o in range(nout):
                            d = g[i, o] * mask[i, c_out + o] if use_mask else g[i, o]
                            a = pre[i, c_out + o]
                            if act == 0:
                                d = d if a > 0 else np.float32(0)
                            elif act == 1:
                                d = d * (one - a * a)
                            elif act == 2:
                                d = d * (a * (one - a))
                            g[i, o] = d
                for o in range(nout):
                    sb = np.float32(0)
                    for i in range(bs):
                        sb += g[i, o]
                    grad[b0 + o] = sb
                    for q in range(nin):
                        sw = np.float32(0)
                        for i in range(bs):
                            sw += g[i, o] * out[i, c_in + q]
                        grad[w0 + o * nin + q] = sw
                if li > 0:
                    for i in range(bs):
                        for q in range(nin):
                            s = np.float32(0)
                            for o in range(nout):
                                s += g[i, o] * theta[w0 + o * nin + q]
                            gh[i, q] = s
                    for i in range(bs):
                        for q in range(nin):
                            g[i, q] = gh[i, q]
            for li in range(nl):  # L2 and L1, on the weights only
                for p in range(woff[li], woff[li] + sizes[li] * sizes[li + 1]):
                    if l2 != 0:
                        grad[p] += np.float32(2 * l2) * theta[p]
                    if l1 != 0:
                        grad[p] += np.float32(l1) * np.sign(theta[p])
            lr32 = np.float32(lr)
            if opt == 0:  # sgd
                for p in range(len(theta)):
                    theta[p] -= lr32 * grad[p]
            elif opt == 1:  # momentum
                for p in range(len(theta)):
                    m[p] = grad[p] if step == 1 else np.float32(0.9) * m[p] + grad[p]
                    theta[p] -= lr32 * m[p]
            elif opt == 2:  # adam
                f1 = np.float32(lr / (1 - 0.9 ** step))
                f2 = np.float32(math.sqrt(1 - 0.999 ** step))
                for p in range(len(theta)):
                    m[p] += np.float32(0.1) * (grad[p] - m[p])
                    v[p] = np.float32(0.999) * v[p] + np.float32(0.001) * (grad[p] * grad[p])
                    theta[p] -= f1 * m[p] / (np.sqrt(v[p]) / f2 + np.float32(1e-8))
            elif opt == 3:  # rmsprop
                for p in range(len(theta)):
                    v[p] = np.float32(0.99) * v[p] + np.float32(0.01) * (grad[p] * grad[p])
                    theta[p] -= lr32 * grad[p] / (np.sqrt(v[p]) + np.float32(1e-8))
            else:  # adagrad
                for p in range(len(theta)):
                    v[p] += grad[p] * grad[p]
                    theta[p] -= lr32 * grad[p] / (np.sqrt(v[p]) + np.float32(1e-10))
        if r < len(rec_steps) and step == rec_steps[r]:
            snaps[r, :] = theta
            r += 1
    return r
