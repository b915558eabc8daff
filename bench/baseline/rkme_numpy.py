"""numpy baseline for bench/: the learnware package's RKME math, vectorised with numpy.

Run by bench/run.ts as `python3 bench/baseline/rkme_numpy.py <job.json>`; prints one JSON
object. Inputs are raw little-endian float64 files written by the TypeScript harness, so both
sides see identical bytes.

What it implements (the same algorithm as core/spec/generateRkme.ts and
core/search/statSearch.ts, so the ratio compares implementations, not algorithms):

* rbf(A, B) as the Python package's torch_rbf_kernel: ||a||^2 - 2 a.b + ||b||^2 with one
  dgemm (OpenBLAS, both cores), then exp;
* k-means: greedy k-means++ seeding (scikit-learn's rule, 2 + ln k local trials, evaluated
  for all trials at once), Lloyd iterations with dgemm distances, scikit-learn's tolerance
  and empty-cluster rules, at most 100 iterations, on a seeded subsample of at most
  max(1000, 20 K) rows (as core does: 2000 rows for K = 100);
* beta: min 1/2 b'Kb - C'b on the simplex. The Python market calls qpsolvers (cvxopt);
  neither is packaged for Debian, so this uses scipy's SLSQP with tight tolerances (an
  honest general-purpose QP; it is not on the hot path at K = 100); the mixture QPs of the
  search (at most max_search_num = 5 variables) are solved exactly by enumerating supports;
* Z steps: the package's _update_z rule, vectorised over all rows of Z;
* search: dist(L_i, U) = ip(L,L) - 2 ip(L,U) + ip(U,U) for all specs, batched in chunks
  with matmul (no Python loop over specs), stable sort, greedy mixture over the first
  max_search_num^2 candidates, as the market's EasyStatSearcher.
"""
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize


def rbf(a, b, gamma):
    sq = (a * a).sum(1)[:, None] - 2.0 * (a @ b.T) + (b * b).sum(1)[None, :]
    np.maximum(sq, 0.0, out=sq)
    sq *= -gamma
    return np.exp(sq, out=sq)


def sqdist(a, b, a_norm=None, b_norm=None):
    an = (a * a).sum(1) if a_norm is None else a_norm
    bn = (b * b).sum(1) if b_norm is None else b_norm
    sq = an[:, None] - 2.0 * (a @ b.T) + bn[None, :]
    np.maximum(sq, 0.0, out=sq)
    return sq


# ---- k-means ------------------------------------------------------------------------------

def kmeans_pp(X, k, rng, x_norm):
    n = X.shape[0]
    trials = 2 + int(np.log(k))
    centers = np.empty((k, X.shape[1]))
    first = rng.integers(n)
    centers[0] = X[first]
    closest = sqdist(X[first:first + 1], X, None, x_norm)[0]
    pot = closest.sum()
    for c in range(1, k):
        r = rng.random(trials) * pot
        cand = np.searchsorted(np.cumsum(closest), r)
        np.clip(cand, None, n - 1, out=cand)
        d = sqdist(X[cand], X, x_norm[cand], x_norm)
        np.minimum(closest, d, out=d)
        pots = d.sum(1)
        best = int(np.argmin(pots))
        centers[c] = X[cand[best]]
        closest = d[best]
        pot = pots[best]
    return centers


def kmeans(X, k, seed, max_iter=100, tol=1e-4):
    rng = np.random.default_rng(seed)
    x_norm = (X * X).sum(1)
    tol_abs = tol * X.var(0).mean()
    centers = kmeans_pp(X, k, rng, x_norm)
    labels = prev = None
    for it in range(max_iter):
        d = sqdist(X, centers, x_norm)
        labels = d.argmin(1)
        if prev is not None and np.array_equal(labels, prev):
            break
        counts = np.bincount(labels, minlength=k).astype(float)
        # per-column bincount: a fast grouped sum (np.add.at is ~50x slower on numpy < 1.25)
        sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(X.shape[1])], 1)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            dmin = d[np.arange(len(X)), labels]
            far = np.argsort(-dmin)[: empty.size]
            for c, i in zip(empty, far):
                old = labels[i]
                counts[old] -= 1
                sums[old] -= X[i]
                counts[c] = 1
                sums[c] = X[i]
                labels[i] = c
        new = sums / counts[:, None]
        shift = ((new - centers) ** 2).sum()
        centers = new
        prev = labels
        if shift <= tol_abs:
            break
    return centers, it + 1


# ---- beta QP ------------------------------------------------------------------------------

def simplex_qp_small(K, C):
    """Exact for a handful of variables: the KKT system on every support, best feasible one."""
    k = len(C)
    best, best_obj = None, np.inf
    for mask in range(1, 1 << k):
        s = [i for i in range(k) if mask >> i & 1]
        m = len(s)
        A = np.zeros((m + 1, m + 1))
        A[:m, :m] = K[np.ix_(s, s)]
        A[:m, m] = 1.0
        A[m, :m] = 1.0
        rhs = np.append(C[s], 1.0)
        try:
            sol = np.linalg.solve(A, rhs)
        except np.linalg.LinAlgError:
            continue
        if sol[:m].min() < -1e-12:
            continue
        b = np.zeros(k)
        b[s] = np.maximum(sol[:m], 0.0)
        obj = 0.5 * b @ K @ b - C @ b
        if obj < best_obj:
            best, best_obj = b, obj
    if best is None:
        return simplex_qp_slsqp(K, C)
    return best / best.sum()


def simplex_qp(K, C):
    return simplex_qp_small(K, C) if len(C) <= 6 else simplex_qp_slsqp(K, C)


def simplex_qp_slsqp(K, C):
    k = len(C)
    res = minimize(
        lambda b: 0.5 * b @ K @ b - C @ b,
        np.full(k, 1.0 / k),
        jac=lambda b: K @ b - C,
        bounds=[(0.0, None)] * k,
        constraints=[{"type": "eq", "fun": lambda b: b.sum() - 1.0, "jac": lambda b: np.ones(k)}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    b = np.maximum(res.x, 0.0)
    return b / b.sum()


# ---- generation ---------------------------------------------------------------------------

def data_terms(Z, X, gamma, with_points, block=8192):
    C = np.zeros(len(Z))
    P = np.zeros_like(Z) if with_points else None
    for b0 in range(0, len(X), block):
        Xb = X[b0:b0 + block]
        Kb = rbf(Z, Xb, gamma)
        C += Kb.sum(1)
        if with_points:
            P += Kb @ Xb
    n = len(X)
    return C / n, (P / n if with_points else None)


def generate(X, K=100, gamma=0.1, step_size=0.1, steps=3, seed=0, kmeans_max_rows=None):
    n = X.shape[0]
    if kmeans_max_rows is None:
        kmeans_max_rows = max(1000, 20 * K)
    rng = np.random.default_rng(seed ^ 0x5EED)
    sample = X[np.sort(rng.choice(n, kmeans_max_rows, replace=False))] if n > kmeans_max_rows else X
    Z, iters = kmeans(sample, K, seed)
    t_kmeans = time.perf_counter()
    C, P = data_terms(Z, X, gamma, steps > 0)
    Kzz = rbf(Z, Z, gamma)
    beta = simplex_qp(Kzz, C)
    for step in range(1, steps + 1):
        W = Kzz * beta[None, :]
        r = W.sum(1)
        Q = W @ Z
        t1 = r[:, None] * Z - Q
        t2 = C[:, None] * Z - P
        Z = Z + (step_size * 2 * gamma * beta)[:, None] * (t1 - 2 * t2)
        C, P = data_terms(Z, X, gamma, step < steps)
        Kzz = rbf(Z, Z, gamma)
        beta = simplex_qp(Kzz, C)
    return Z, beta, iters, t_kmeans


def objective(Z, beta, X, gamma):
    """beta'Kbeta - 2 beta'C: MMD^2 to the data minus the data's own term."""
    C, _ = data_terms(Z, X, gamma, False)
    return float(beta @ rbf(Z, Z, gamma) @ beta - 2 * beta @ C)


def data_self_term(X, gamma, block=4096):
    """(1/n^2) sum_ij k(x_i, x_j), blocked and symmetric."""
    n = len(X)
    norm = (X * X).sum(1)
    total = 0.0
    for i0 in range(0, n, block):
        Xi = X[i0:i0 + block]
        for j0 in range(i0, n, block):
            Kb = sqdist(Xi, X[j0:j0 + block], norm[i0:i0 + block], norm[j0:j0 + block])
            Kb *= -gamma
            np.exp(Kb, out=Kb)
            total += Kb.sum() * (1.0 if i0 == j0 else 2.0)
    return total / (n * n)


# ---- search -------------------------------------------------------------------------------

def ips_many(Zs, betas, U, wu, gamma, chunk=256):
    """ip(L_s, U) for every spec s (first argument L_s, so its gamma)."""
    un = (U * U).sum(1)
    out = np.empty(len(Zs))
    for c0 in range(0, len(Zs), chunk):
        Zc = Zs[c0:c0 + chunk]
        sq = (Zc * Zc).sum(2)[:, :, None] - 2.0 * (Zc @ U.T) + un[None, None, :]
        np.maximum(sq, 0.0, out=sq)
        sq *= -gamma
        np.exp(sq, out=sq)
        out[c0:c0 + chunk] = np.einsum("ci,cij,j->c", betas[c0:c0 + chunk], sq, wu)
    return out


def self_ips_many(Zs, betas, gamma, chunk=256):
    out = np.empty(len(Zs))
    for c0 in range(0, len(Zs), chunk):
        Zc = Zs[c0:c0 + chunk]
        nrm = (Zc * Zc).sum(2)
        sq = nrm[:, :, None] - 2.0 * (Zc @ Zc.transpose(0, 2, 1)) + nrm[:, None, :]
        np.maximum(sq, 0.0, out=sq)
        sq *= -gamma
        np.exp(sq, out=sq)
        out[c0:c0 + chunk] = np.einsum("ci,cij,cj->c", betas[c0:c0 + chunk], sq, betas[c0:c0 + chunk])
    return out


def ip(z1, b1, z2, b2, gamma):
    return float(b1 @ rbf(z1, z2, gamma) @ b2)


def search(Zs, betas, U, wu, gamma, max_search_num=5, dists=None):
    uu = ip(U, wu, U, wu, gamma)
    if dists is None:
        dists = self_ips_many(Zs, betas, gamma) - 2 * ips_many(Zs, betas, U, wu, gamma) + uu
    order = np.argsort(dists, kind="stable")
    cand = order[: max_search_num * max_search_num]
    mixture = None
    if dists[order[0]] > 0:
        m = len(cand)
        Kc = np.empty((m, m))
        for i in range(m):
            for j in range(m):
                Kc[i, j] = ip(Zs[cand[i]], betas[cand[i]], Zs[cand[j]], betas[cand[j]], gamma)
        Cc = np.array([ip(U, wu, Zs[c], betas[c], gamma) for c in cand])
        chosen, prev = [], None
        while len(chosen) < max_search_num:
            best = None
            for t in range(m):
                if t in chosen:
                    continue
                idx = chosen + [t]
                w = simplex_qp(Kc[np.ix_(idx, idx)], Cc[idx])
                mmd = uu + 2 * (0.5 * w @ Kc[np.ix_(idx, idx)] @ w - Cc[idx] @ w)
                if best is None or mmd < best[0]:
                    best = (mmd, t, w)
            if prev is not None and not best[0] <= 0.95 * prev:
                break
            chosen.append(best[1])
            prev = best[0]
            mixture = ([int(cand[i]) for i in chosen], best[2].tolist(), float(best[0]))
    return [int(i) for i in order[:10]], [float(dists[i]) for i in order[:10]], mixture


# ---- harness ------------------------------------------------------------------------------

def timed(fn, runs, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    out = None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return ts, out


_loaded = {}


def load(path, shape):
    """Raw little-endian float64, cached per path (the harness reuses inputs across jobs)."""
    key = (path, tuple(shape))
    if key not in _loaded:
        _loaded[key] = np.fromfile(path, dtype="<f8").reshape(shape)
    return _loaded[key]


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")  # numpy >= 1.25
        return cfg["Build Dependencies"]["blas"]["name"]
    except Exception:
        try:
            import numpy.distutils.system_info as si  # noqa: F401
        except Exception:
            pass
        libs = []
        try:
            with open("/proc/self/maps") as f:
                for line in f:
                    if "blas" in line and line.split()[-1] not in libs:
                        libs.append(line.split()[-1])
        except OSError:
            pass
        names = sorted(set(os.path.basename(x) for x in libs))
        pick = [x for x in names if "openblas" in x] or [x for x in names if x.startswith("libblas")] or names
        return ", ".join(pick) or "unknown"


def handle(job):
    kind, runs, warmup = job["kind"], job.get("runs", 1), job.get("warmup", 1)
    out = {"kind": kind}
    if kind == "machine":
        a = np.random.default_rng(0).random((1000, 1000))
        a @ a
        out.update(python=sys.version.split()[0], executable=sys.executable, numpy=np.__version__,
                   scipy=scipy.__version__, blas=blas_name(), platform=platform.platform())
    elif kind == "dgemm":
        n = job["n"]
        rng = np.random.default_rng(1)
        a, b = rng.random((n, n)), rng.random((n, n))
        ts, _ = timed(lambda: a @ b, runs, warmup)
        out.update(times=ts, flops=2.0 * n ** 3)
    elif kind == "kernel_block":
        a, b = load(job["a"], job["a_shape"]), load(job["b"], job["b_shape"])
        reps = job.get("reps", 1)

        def block():
            for _ in range(reps):
                rbf(a, b, job["gamma"])

        ts, _ = timed(block, runs, warmup)
        out.update(times=[t / reps for t in ts])
    elif kind == "kernel_cvec":
        z, x = load(job["z"], job["z_shape"]), load(job["x"], job["x_shape"])
        ts, c = timed(lambda: data_terms(z, x, job["gamma"], False)[0], runs, warmup)
        out.update(times=ts, checksum=float(c.sum()))
    elif kind == "self_term":
        x = load(job["x"], job["x_shape"])
        t = time.perf_counter()
        out.update(value=data_self_term(x, job["gamma"]), seconds=time.perf_counter() - t)
    elif kind == "generate":
        x = load(job["x"], job["x_shape"])
        res = {}

        def run():
            t0 = time.perf_counter()
            Z, beta, iters, t_km = generate(x, K=job["K"], gamma=job["gamma"], steps=job["steps"], seed=job["seed"])
            res.update(Z=Z, beta=beta, iters=iters, kmeans_share=(t_km - t0) / (time.perf_counter() - t0))

        ts, _ = timed(run, runs, warmup)
        out.update(times=ts, kmeans_iterations=res["iters"], kmeans_share=res["kmeans_share"], K=len(res["beta"]))
        if job.get("evaluate", True):
            out.update(objective=objective(res["Z"], res["beta"], x, job["gamma"]))
    elif kind == "search":
        N, m, d = job["market_shape"]
        Zs, betas = load(job["z"], (N, m, d)), load(job["beta"], (N, m))
        U, wu = load(job["user_z"], job["user_shape"]), load(job["user_beta"], (job["user_shape"][0],))
        ts, res = timed(lambda: search(Zs, betas, U, wu, job["gamma"], job["max_search_num"]), runs, warmup)
        out.update(times=ts, top=res[0], top_dists=res[1], mixture=res[2])
    elif kind in ("generate_original", "search_original"):
        import original_numpy  # the Python package's algorithms as they are (see its docstring)

        out.update(original_numpy.handle(job, load, timed))
    else:
        raise ValueError(f"unknown job kind {kind}")
    return out


def main():
    """`rkme_numpy.py job.json` runs one job; `rkme_numpy.py --serve` answers JSON lines on stdin,
    so the harness can interleave numpy and TypeScript runs under the same machine load."""
    if sys.argv[1:] == ["--serve"]:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                out = handle(json.loads(line))
            except Exception as e:  # report, keep serving
                out = {"error": f"{type(e).__name__}: {e}"}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
        return
    json.dump(handle(json.load(open(sys.argv[1]))), sys.stdout)


if __name__ == "__main__":
    main()
