"""Independent float64 numpy reference of the Python learnware package's image kernel.

The Python package (learnware/specification/regular/image/rkme.py, _build_ConvNet_NNGP with
the layers of cnn_gp.py) compares image RKMEs with the analytic NNGP kernel of
  [Conv2d(3, "same", var_weight=sqrt(2), var_bias=0.1) -> ReLU -> Conv2d(2, stride 2)] x net_depth
  -> Conv2d(32 / 2**net_depth)
This script re-implements that recursion with numpy only (no torch: vectorised over all
pairs, convolutions by padded shifted sums) and writes corpus/cnn_gp.json: the input images,
kernel matrices (cross and "same"), and two specs in the Python package's JSON format with
their inner products and MMD^2. Run: python3 test/conformance/cnn_gp_reference.py
"""

import json
import math
import os

import numpy as np

F32_TINY = float(np.finfo(np.float32).tiny)


def conv_const(m, k, stride, pad, var_weight, var_bias):
    """F.conv2d of maps m [..., H, W] with ones(k, k) * var_weight / k**2, then + var_bias."""
    if pad:
        widths = [(0, 0)] * (m.ndim - 2) + [(pad, pad), (pad, pad)]
        m = np.pad(m, widths)
    H, W = m.shape[-2:]
    oh, ow = (H - k) // stride + 1, (W - k) // stride + 1
    acc = np.zeros(m.shape[:-2] + (oh, ow))
    for dy in range(k):
        for dx in range(k):
            acc += m[..., dy : dy + stride * (oh - 1) + 1 : stride, dx : dx + stride * (ow - 1) + 1 : stride]
    return acc * (var_weight / k**2) + var_bias


def relu(xy, xx, yy, same):
    # xy [N1, N2, H, W], xx [N1, 1, H, W] -> broadcast, yy [1, N2, H, W]
    xx_yy = xx * yy + F32_TINY
    cos_t = np.clip(xy / np.sqrt(xx_yy), -1.0, 1.0)
    sin_t = np.sqrt(np.clip(xx_yy - xy**2, 0.0, None))
    out = (sin_t + (math.pi - np.arccos(cos_t)) * xy) / (2 * math.pi)
    nxx = xx / 2.0
    if same:
        nyy = np.swapaxes(nxx, 0, 1)
        n = xy.shape[0]
        eye = np.eye(n)[:, :, None, None]
        out = (1 - eye) * out + eye * nxx
    else:
        nyy = yy / 2.0
    return out, nxx, nyy


def nngp(X, Y=None, depth=3, ksize=3):
    same = Y is None
    if same:
        Y = X
    xy = np.einsum("ichw,jchw->ijhw", X, Y) / X.shape[1]
    xx = (X**2).mean(1)[:, None]
    yy = (Y**2).mean(1)[None, :]
    for _ in range(depth):
        conv = lambda m: conv_const(m, ksize, 1, ksize // 2, math.sqrt(2), 0.1)
        xy, xx, yy = conv(xy), conv(xx), conv(yy)
        xy, xx, yy = relu(xy, xx, yy, same)
        pool = lambda m: conv_const(m, 2, 2, 0, 1.0, 0.0)
        xy, xx, yy = pool(xy), pool(xx), pool(yy)
    last = 32 // 2**depth
    xy = conv_const(xy, last, 1, 0, 1.0, 0.0)
    return xy[:, :, 0, 0]


def images(rs, n, c):
    """Smooth blobs and stripes plus noise, roughly standardised like preprocessed images."""
    yy, xx = np.mgrid[0:32, 0:32]
    out = np.zeros((n, c, 32, 32))
    for i in range(n):
        cx, cy, ph = rs.uniform(8, 24), rs.uniform(8, 24), rs.uniform(0, 6)
        for ch in range(c):
            blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / rs.uniform(20, 80))
            stripes = np.sin((xx if i % 2 else yy) * rs.uniform(0.3, 1.2) + ph)
            out[i, ch] = rs.uniform(-1, 1) * blob * 3 + rs.uniform(0, 1) * stripes + rs.normal(0, 0.5, (32, 32))
    return np.round(out, 6)


def spec_json(z, beta):
    """An RKMEImageSpecification stat file as the Python package's save() writes it."""
    return {
        "RKME_IMAGE_VERSION": 1,
        "msg": None,
        "z": z.tolist(),
        "beta": beta.tolist(),
        "n_models": 16,
        "model_config": {"k": 2, "mu": 0, "sigma": None, "net_width": 128, "net_depth": 3},
        "type": "RKMEImageSpecification",
    }


def main():
    rs = np.random.RandomState(15)
    A = images(rs, 4, 3)
    B = images(rs, 3, 3)
    G = images(rs, 2, 1)
    cases = []
    # Inputs are named: "a" / "b" = the z of spec a / b below, "gray" = doc["images"]["gray"];
    # [name, n] = the first n images of it.
    named = {"a": A, "b": B, "gray": G}
    for name, x, y, depth in [
        ("rgb-cross-depth3", "a", "b", 3),
        ("rgb-same-depth3", "a", None, 3),
        ("gray-same-depth3", "gray", None, 3),
        ("rgb-cross-depth2", ["a", 2], ["b", 2], 2),
    ]:
        pick = lambda r: named[r] if isinstance(r, str) else named[r[0]][: r[1]]
        K = nngp(pick(x), None if y is None else pick(y), depth=depth)
        cases.append({"name": name, "net_depth": depth, "x": x, "y": y, "kernel": K.tolist()})
    b1 = np.round(rs.dirichlet(np.ones(4)), 8)
    b2 = np.round(rs.dirichlet(np.ones(3)), 8)
    ip11 = float(b1 @ nngp(A) @ b1)
    ip22 = float(b2 @ nngp(B) @ b2)
    ip12 = float(b1 @ nngp(A, B) @ b2)
    doc = {
        "version": 1,
        "source": "test/conformance/cnn_gp_reference.py (numpy float64 port of learnware cnn_gp + _build_ConvNet_NNGP)",
        "tolerance_relative": 1e-6,
        "images": {"gray": G.tolist()},
        "cases": cases,
        "specs": {
            "a": spec_json(A, b1),
            "b": spec_json(B, b2),
            "inner_aa": ip11,
            "inner_bb": ip22,
            "inner_ab": ip12,
            "dist_ab": ip11 - 2 * ip12 + ip22,
        },
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "cnn_gp.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(path, os.path.getsize(path), "bytes")
    for c in cases:
        print(c["name"], np.array(c["kernel"]).round(6).tolist())
    print("inner", ip11, ip22, ip12, "dist", ip11 - 2 * ip12 + ip22)


main()
