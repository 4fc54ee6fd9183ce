"""Embedding lookup, forward and backward: ``table[idx]`` with a random upstream gradient, and
``table[idx].sum()``, on a 27×10 table indexed by 4,096×3 integers and a 50,000×64 table
indexed by 8,192×8. autograd_mini against hand-written NumPy — ``np.add.at`` (``numpy``) and
the library's scatter route called by hand (``numpy_scatter_rows``) — and PyTorch on the CPU,
indexing (``torch``) and ``F.embedding`` (``torch_embedding``), when installed.

One of ``benchmarks.run``'s workloads (``--only embedding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NAME = "embedding"
#: (label, rows, columns, index shape); quick mode shrinks the index and the large table.
CASES = [("27×10 table, 4,096×3 indices", 27, 10, (4096, 3)),
         ("50,000×64 table, 8,192×8 indices", 50_000, 64, (8192, 8))]
QUICK = [("27×10 table, 64×3 indices", 27, 10, (64, 3)),
         ("500×64 table, 64×8 indices", 500, 64, (64, 8))]
#: forward+backward at most PyTorch's time (indexing with a random upstream gradient, and sum)
TARGETS = {"torch": 1.0}


def _frameworks(table: Any, idx: Any, u: Any, loss: str) -> dict[str, Callable[[], Any]]:
    """One forward+backward per call, returning the table's gradient."""
    import numpy as np

    import autograd_mini as am
    from autograd_mini.ops.gather import scatter_rows
    from benchmarks.harness import grad_data, optional

    x = am.Tensor(table, requires_grad=True)
    up = np.ones(u.shape) if loss == "sum" else u
    flat, n, d = idx.reshape(-1), table.shape[0], table.shape[1]

    def am_fb() -> Any:
        x.grad = None
        y = x[idx]
        if loss == "sum":
            am.sum(y).backward()
        else:
            y.backward(u)
        return grad_data(x)

    def forward() -> None:  # the loss's value too, as the frameworks compute it
        y = np.take(table, idx, axis=0)
        if loss == "sum":
            y.sum()

    def numpy_add_at() -> Any:
        forward()
        g = np.zeros_like(table)
        np.add.at(g, idx, up)
        return g

    def numpy_rows() -> Any:
        forward()
        return scatter_rows(np.broadcast_to(1.0, (flat.size, d)) if loss == "sum"
                            else u.reshape(-1, d), flat, n)

    fns: dict[str, Callable[[], Any]] = {"autograd_mini": am_fb, "numpy": numpy_add_at,
                                         "numpy_scatter_rows": numpy_rows}
    torch = optional("torch")
    if torch is not None:
        xt = torch.tensor(table, requires_grad=True)
        it, ut = torch.tensor(idx), torch.tensor(u)

        def torch_case(lookup: Callable[[], Any]) -> Callable[[], Any]:
            def fb() -> Any:
                xt.grad = None
                y = lookup()
                if loss == "sum":
                    y.sum().backward()
                else:
                    y.backward(ut)
                return xt.grad.numpy()
            return fb

        fns["torch"] = torch_case(lambda: xt[it])
        fns["torch_embedding"] = torch_case(lambda: torch.nn.functional.embedding(it, xt))
    return fns


def run(cfg: Any) -> list[Any]:
    """ms per forward+backward of each case and loss, checked against np.add.at first."""
    import numpy as np

    from benchmarks.harness import Measurement, check_all, check_close, log, time_paired

    out = []
    for label, n, d, shape in QUICK if cfg.quick else CASES:
        rng = np.random.default_rng(0)
        table = rng.standard_normal((n, d))
        idx = rng.integers(0, n, shape)
        u = rng.standard_normal((*shape, d))
        for loss in ("upstream gradient", "sum"):
            fns = _frameworks(table, idx, u, loss.split()[0])
            want = np.zeros_like(table)
            np.add.at(want, idx, np.ones(u.shape) if loss == "sum" else u)
            got = {k: [np.asarray(f()).copy()] for k, f in fns.items()}
            check_all(f"{NAME} gradient", got, [want], 1e-6)
            check_close(f"{NAME} autograd_mini gradient", got["autograd_mini"][0], want, 1e-12)
            log(f"  {NAME} {label}, {loss}")
            samples = time_paired(fns, cfg, pins=list(TARGETS))
            out.append(Measurement(NAME, f"{label}, fwd+bwd, {loss}", "ms", 1e3, samples,
                                   targets=dict(TARGETS)))
    return out
