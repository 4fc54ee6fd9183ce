"""``python -m autograd_mini``: the command line (see ``autograd-mini --help``)."""

from __future__ import annotations

import sys


def _worked_example() -> int:
    """Print the notes' example f(x, y) = xy − log(1 + exp(xy)) with every adjoint."""
    import autograd_mini as am
    from autograd_mini.engine import backward

    x = am.Tensor(1.5, requires_grad=True, name="x")
    y = am.Tensor(-0.5, requires_grad=True, name="y")
    v3 = x * y
    v4 = am.exp(v3)
    v5 = 1 + v4
    v6 = am.log(v5)
    f = v3 - v6
    vs = [x, y, v3, v4, v5, v6, f]
    adj = backward(f, retain_graph=True, inputs=vs) or []
    f.backward()
    print("f(x, y) = xy - log(1 + exp(xy)) at x = 1.5, y = -0.5")
    for i, (v, a) in enumerate(zip(vs, adj), start=1):
        print(f"  v{i} = {v.item():+.6f}   adjoint v̄{i} = {float(a):+.6f}")
    print(f"df/dx = {x.grad.item():+.6f}   df/dy = {y.grad.item():+.6f}")  # type: ignore[union-attr]
    return 0


def main() -> int:
    try:
        from autograd_mini.cli import main as cli_main
    except ImportError:
        return _worked_example()
    return int(cli_main(sys.argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
