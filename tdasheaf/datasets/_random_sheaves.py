"""Random consistent sheaves, for tests and examples (gauge constructions, δ∘δ = 0 exactly)."""

from __future__ import annotations

import numpy as np

from tdasheaf.sheaves import CellularSheaf

__all__ = ["random_gauge_sheaf"]


def _unimodular(rng, d):
    """A random integer matrix with determinant ±1 (so its inverse is an integer matrix)."""
    A = np.eye(d)
    for _ in range(2 * d):
        if d >= 2:
            i, j = rng.choice(d, size=2, replace=False)
            A[j] += rng.choice([-2, -1, 1, 2]) * A[i]
    A = A[rng.permutation(d)] * rng.choice([-1.0, 1.0], size=(d, 1))
    return A, np.round(np.linalg.inv(A))


def _orthogonal(rng, d):
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return Q, Q.T


def random_gauge_sheaf(
    K, rng=None, kind: str = "integer", n_components: int = 2, mixed: bool = True
):
    """A random consistent sheaf: a direct sum of rank-1 sheaves, then a change of basis.

    Component c lives on the whole complex, or on an upward-closed support (the cofaces of two
    random simplices), or a downward-closed one (their faces): then every composite through a
    zero stalk is zero on both sides. On its support ``F_{σ⊲τ} = h_τ h_σ^{-1} w_v`` (v the
    vertex τ adds to σ; the w_v commute, so both composites agree). Each stalk then gets a basis
    change ``F_{σ⊲τ} ↦ A_τ F_{σ⊲τ} A_σ^{-1}``, unimodular integer (``kind="integer"``: integer
    maps) or orthogonal (``kind="orthogonal"``: real maps). Stalk dimensions 0..n_components.
    """
    n_dims = max(K.dimension + 1, 1)
    rows = [[tuple(int(v) for v in r) for r in K.simplices[k].tolist()] for k in range(n_dims)]
    every = [s for r in rows for s in r]
    labels = sorted({v for s in every for v in s})
    supports, w, h = [], [], []
    for _ in range(n_components):
        mode = rng.choice(["all", "up", "down"]) if mixed else "all"
        seeds = [every[i] for i in rng.choice(len(every), size=min(2, len(every)), replace=False)]
        if mode == "up":
            supports.append({s for s in every if any(set(x) <= set(s) for x in seeds)})
        elif mode == "down":
            supports.append({s for s in every if any(set(s) <= set(x) for x in seeds)})
        else:
            supports.append(set(every))
        if kind == "integer":
            w.append({v: float(rng.choice([1, 2, 3, -1, -2])) for v in labels})
            h.append({s: float(rng.choice([-1, 1])) for s in every})
        else:
            w.append({v: rng.choice([-1, 1]) * rng.uniform(0.5, 2.0) for v in labels})
            h.append({s: rng.choice([-1, 1]) * rng.uniform(0.5, 2.0) for s in every})
    comps = {s: [c for c in range(n_components) if s in supports[c]] for s in every}
    change = _unimodular if kind == "integer" else _orthogonal
    basis = {s: change(rng, len(comps[s])) for s in every}
    dims = [np.array([len(comps[s]) for s in r], dtype=np.int64) for r in rows]
    D = n_components
    blocks = []
    for k in range(1, n_dims):
        R = np.zeros((len(rows[k]), k + 1, D, D))
        for j, s in enumerate(rows[k]):
            for i in range(k + 1):
                f = s[:i] + s[i + 1 :]
                M = np.zeros((len(comps[s]), len(comps[f])))
                for c in set(comps[s]) & set(comps[f]):
                    M[comps[s].index(c), comps[f].index(c)] = h[c][s] / h[c][f] * w[c][s[i]]
                M = basis[s][0] @ M @ basis[f][1]
                if kind == "integer":
                    M = np.round(M)
                R[j, i, : M.shape[0], : M.shape[1]] = M
        blocks.append(R)
    return CellularSheaf.from_arrays(K, dims, blocks)
