"""The original: the Python learnware package's RKME algorithms as they are, in numpy.

bench/run.ts times these next to rkme_numpy.py (our algorithm in numpy) so the README's
"x the original" figures are reproducible from the repository. The package itself needs torch,
qpsolvers and scikit-learn (not all installable here), so this re-states its steps in numpy,
keeping their shape and cost, not improving them:

* learnware/specification/regular/table/rkme.py, generate_stat_spec_from_data:
  - _init_z_by_kmeans: k-means on ALL rows, cast to float32 (the package calls scikit-learn's
    MiniBatchKMeans(n_clusters=K, max_iter=100); here: Lloyd iterations with random initial
    centres drawn from the rows, float32 sgemm distances, at most 100 iterations, scikit-learn's
    tolerance 1e-4 x mean variance);
  - _update_beta: K = rbf(Z, Z), C = rbf(Z, X).sum(1) / n with the full K x n block in float64,
    then the simplex QP (the package: qpsolvers; here scipy SLSQP, as rkme_numpy.py);
  - _update_z: the per-row loop (for each of the K rows of Z, rbf(z_i, X) against all rows and
    (z_i - X)), then _update_beta again, `steps` times.
* the market's statistical searcher (EasyStatSearcher): one dist() per learnware, each an
  inner product of two specs computed on its own (a Python loop over the market), ip(L, L)
  included; the greedy mixture over the best max_search_num^2 as rkme_numpy.search.
"""
import time

import numpy as np

from rkme_numpy import rbf, search, simplex_qp_slsqp


def kmeans_random_f32(X, k, seed, max_iter=100, tol=1e-4):
    X = X.astype(np.float32)
    rng = np.random.default_rng(seed)
    n = len(X)
    centers = X[rng.choice(n, k, replace=False)].copy()
    x_norm = (X * X).sum(1)
    tol_abs = tol * float(X.var(0).mean())
    it = 0
    for it in range(max_iter):
        d = x_norm[:, None] - 2.0 * (X @ centers.T) + (centers * centers).sum(1)[None, :]
        labels = d.argmin(1)
        counts = np.bincount(labels, minlength=k).astype(np.float32)
        onehot = np.zeros((n, k), dtype=np.float32)
        onehot[np.arange(n), labels] = 1.0
        sums = onehot.T @ X
        empty = counts == 0
        new = sums / np.maximum(counts, 1.0)[:, None]
        new[empty] = centers[empty]
        shift = float(((new - centers) ** 2).sum())
        centers = new
        if shift <= tol_abs:
            break
    return centers.astype(np.float64), it + 1


def update_beta(Z, X, gamma):
    K = rbf(Z, Z, gamma)
    C = rbf(Z, X, gamma).sum(1) / X.shape[0]
    return simplex_qp_slsqp(K, C)


def update_z(Z, beta, X, gamma, step_size):
    n = X.shape[0]
    grad = np.zeros_like(Z)
    for i in range(Z.shape[0]):
        z_i = Z[i : i + 1]
        term_1 = (beta * rbf(z_i, Z, gamma)[0]) @ (z_i - Z)
        term_2 = -2.0 * (rbf(z_i, X, gamma)[0] / n) @ (z_i - X)
        grad[i] = -2.0 * gamma * beta[i] * (term_1 + term_2)
    return Z - step_size * grad


def generate_original(X, K=100, gamma=0.1, step_size=0.1, steps=3, seed=0):
    t0 = time.perf_counter()
    Z, iters = kmeans_random_f32(X, K, seed)
    t_km = time.perf_counter() - t0
    beta = update_beta(Z, X, gamma)
    for _ in range(steps):
        Z = update_z(Z, beta, X, gamma, step_size)
        beta = update_beta(Z, X, gamma)
    return Z, beta, iters, t_km


def ip(z1, b1, z2, b2, gamma):
    return float(np.sum(rbf(z1, z2, gamma) * np.outer(b1, b2)))


def search_original(Zs, betas, U, wu, gamma, max_search_num=5):
    uu = ip(U, wu, U, wu, gamma)
    dists = np.empty(len(Zs))
    for s in range(len(Zs)):
        dists[s] = ip(Zs[s], betas[s], Zs[s], betas[s], gamma) - 2.0 * ip(Zs[s], betas[s], U, wu, gamma) + uu
    return search(Zs, betas, U, wu, gamma, max_search_num, dists=dists)


def handle(job, load, timed):
    from rkme_numpy import objective

    out = {}
    runs, warmup = job.get("runs", 1), job.get("warmup", 0)
    if job["kind"] == "generate_original":
        x = load(job["x"], job["x_shape"])
        res = {}

        def run():
            t0 = time.perf_counter()
            Z, beta, iters, t_km = generate_original(x, K=job["K"], gamma=job["gamma"], steps=job["steps"], seed=job["seed"])
            res.update(Z=Z, beta=beta, iters=iters, kmeans_share=t_km / (time.perf_counter() - t0))

        ts, _ = timed(run, runs, warmup)
        out.update(times=ts, kmeans_iterations=res["iters"], kmeans_share=res["kmeans_share"], K=len(res["beta"]))
        out.update(objective=objective(res["Z"], res["beta"], x, job["gamma"]))
    else:
        N, m, d = job["market_shape"]
        Zs, betas = load(job["z"], (N, m, d)), load(job["beta"], (N, m))
        U, wu = load(job["user_z"], job["user_shape"]), load(job["user_beta"], (job["user_shape"][0],))
        ts, res = timed(lambda: search_original(Zs, betas, U, wu, job["gamma"], job["max_search_num"]), runs, warmup)
        out.update(times=ts, top=res[0], top_dists=res[1], mixture=res[2])
    return out
