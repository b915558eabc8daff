"""A reduced kernel mean embedding (RKME) of table data, in the JSON layout the market reads
(``RKMETableSpecification``: ``z``, ``beta``, ``gamma``, ``num_points``, ``type``).

The reduced set ``z`` comes from k-means; ``beta`` minimises the MMD between the weighted
reduced set and the data on the simplex (projected gradient). The Python learnware package
also moves ``z`` by gradient steps; this coarser summary is what ``register_model`` needs
to make a learnware searchable when the caller has no specification of their own.
"""
import json

from ._errors import LwError


def _rbf(a, b, gamma):
    import numpy as np

    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.exp(-gamma * np.maximum(d, 0.0))


def _project_simplex(v):
    import numpy as np

    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    idx = np.arange(1, len(v) + 1)
    rho = np.nonzero(u - css / idx > 0)[0][-1]
    return np.maximum(v - css[rho] / (rho + 1.0), 0.0)


def rkme_table_spec(X, K=100, gamma=0.1, seed=0, kmeans_iters=20, beta_iters=300):
    """The RKME of the rows of ``X`` (n×d) as a JSON-ready dict."""
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise LwError("BAD_REQUEST", f"Specification data must be a non-empty 2-D array (rows × features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise LwError("BAD_REQUEST", "Specification data contains NaN or infinite values")
    n = X.shape[0]
    K = max(1, min(int(K), n))
    rng = np.random.default_rng(seed)
    z = X[rng.choice(n, size=K, replace=False)].copy()
    for _ in range(kmeans_iters):
        assign = ((X[:, None, :] - z[None, :, :]) ** 2).sum(2).argmin(1)
        for k in range(K):
            members = X[assign == k]
            if len(members):
                z[k] = members.mean(0)
    Kzz = _rbf(z, z, gamma)
    c = _rbf(z, X, gamma).mean(1)
    step = 1.0 / (2.0 * max(np.linalg.eigvalsh(Kzz).max(), 1e-12))
    beta = np.full(K, 1.0 / K)
    for _ in range(beta_iters):
        beta = _project_simplex(beta - step * 2.0 * (Kzz @ beta - c))
    return {"z": z.tolist(), "beta": beta.tolist(), "gamma": float(gamma), "num_points": int(n), "type": "RKMETableSpecification"}


def load_stat_spec(spec):
    """A stat spec given as a dict, a JSON string or a path to a JSON file → its JSON text."""
    if isinstance(spec, dict):
        return json.dumps(spec)
    if isinstance(spec, str) and spec.lstrip().startswith("{"):
        json.loads(spec)
        return spec
    try:
        with open(spec) as f:
            text = f.read()
    except (OSError, TypeError) as e:
        raise LwError("BAD_REQUEST", f"stat_spec {spec!r} is neither a dict, JSON text nor a readable file: {e}") from None
    try:
        json.loads(text)
    except ValueError as e:
        raise LwError("BAD_REQUEST", f"stat_spec file {spec!r} is not JSON: {e}") from None
    return text
