"""The ``autograd-mini`` command line: one argparse subcommand per task (``graph``, ...).

To add a subcommand, write ``_add_NAME(subparsers)`` that creates its parser and sets
``handler=`` (a function ``(args) -> int`` returning the exit status) with
``set_defaults``, and append it to ``_COMMANDS``. Handlers raise ``CommandError`` (or
``ExprError``) for user errors; ``main`` turns those into a one-line message and status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any, NoReturn

from .checks import install_hint

__all__ = ["CommandError", "build_parser", "main"]

PROG = "autograd-mini"
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


class CommandError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(message)


def _fmt(v: Any) -> str:
    return repr(float(v)) if getattr(v, "size", 1) == 1 else str(v)


def _graph(args: argparse.Namespace) -> int:
    """Parse, run forward and backward, print value and gradients, write the drawing."""
    from .expr import evaluate, parse_assignment
    from .tensor import Tensor
    from .viz import draw_graph

    fmt = None
    if args.output is not None:
        fmt = FORMATS.get(Path(args.output).suffix.lower())
        if fmt is None:
            raise CommandError(f"cannot tell the format of {args.output!r}: use a file name "
                               "ending in " + ", ".join(FORMATS))
        if not Path(args.output).resolve().parent.is_dir():
            raise CommandError(f"the folder of {args.output!r} does not exist")
    if args.frames is not None:
        if Path(args.frames).suffix.lower() not in (".html", ".htm", ".gif"):
            raise CommandError(f"cannot tell the format of {args.frames!r}: use a file name "
                               "ending in .html or .gif")
        if not Path(args.frames).resolve().parent.is_dir():
            raise CommandError(f"the folder of {args.frames!r} does not exist")
    values: dict[str, float] = {}
    for item in args.values:
        name, number = parse_assignment(item)
        if name in values:
            raise CommandError(f"{name} is given twice")
        values[name] = number
    variables = {n: Tensor(v, requires_grad=True, name=n) for n, v in values.items()}
    f = evaluate(args.expr, variables)
    graph = draw_graph(f, textbook=not args.plain, rankdir=args.rankdir,
                       precision=args.precision)
    explanation = None
    if args.explain and f.requires_grad:
        from .explain import explain_backward

        explanation = explain_backward(f, precision=args.precision)
    if f.requires_grad:
        f.backward()
    print(f"f = {_fmt(f.data)}")
    for name, t in variables.items():
        g = t.grad
        note = "" if g is not None else f"   ({name} does not appear in f)"
        print(f"df/d{name} = {_fmt(g.data) if g is not None else '0.0'}{note}")
    if explanation is not None:
        print()
        print(explanation, end="")
    elif args.explain:
        print("\n(no backward pass to explain: f does not depend on any variable)")
    if args.output is not None and fmt is not None:
        _write(graph, Path(args.output), fmt)
        print(f"wrote {args.output}")
    if args.frames is not None:
        _frames(f, args)
    return 0


def _frames(f: Any, args: argparse.Namespace) -> None:
    """Write the backprop frames of ``f`` (``--frames``): a self-contained HTML page or a GIF."""
    from .viz_steps import backprop_steps, save_frames

    if not f.requires_grad:
        raise CommandError("--frames: f does not depend on any variable, so there is no "
                           "backward pass to animate")
    options = {"textbook": not args.plain, "rankdir": args.rankdir, "precision": args.precision}
    try:
        save_frames(f, args.frames, **options)
    except (ImportError, RuntimeError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.frames!r}: {exc.strerror or exc}") from None
    n = sum(1 for _ in backprop_steps(f, **options))
    print(f"wrote {args.frames} ({n} frames)")


def _write(graph: Any, path: Path, fmt: str) -> None:
    """Write DOT text, or render with Graphviz's ``dot`` into ``path``."""
    import graphviz

    if fmt == "dot":
        data = graph.source.encode("utf-8")
    else:
        try:
            data = graph.pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            raise CommandError(
                "Graphviz's 'dot' program was not found on PATH: install Graphviz, or write "
                "DOT text with -o FILE.dot"
            ) from None
        except graphviz.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise CommandError(f"dot failed: {detail[-1] if detail else exc}") from None
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def _add_graph(sub: Any) -> None:
    p = sub.add_parser(
        "graph",
        help="draw the computational graph of an expression with values and adjoints",
        description="Evaluate EXPR at the given values, print f and its gradients, and draw "
        "the graph (identical subexpressions share one node). EXPR may use numbers, the "
        "variables, + - * / ** and exp, log, log1p, sqrt, tanh, sigmoid, relu, softplus, "
        "log_sigmoid, abs, square. Start EXPR with a space if it begins with '-'.",
    )
    p.add_argument("expr", metavar="EXPR", help='e.g. "x*y - log(1 + exp(x*y))"')
    p.add_argument("values", metavar="NAME=VALUE", nargs="*", help="e.g. x=1.5 y=-0.5")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the drawing; the format comes from the suffix: "
                   + ", ".join(FORMATS))
    p.add_argument("--plain", action="store_true",
                   help="label variables by name instead of v1..vN and adjoints as grad")
    p.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"],
                   help="layout direction (default LR)")
    p.add_argument("--precision", type=int, default=4, metavar="N",
                   help="significant digits in the drawing (default 4)")
    p.add_argument("--explain", action="store_true",
                   help="also print the chain rule step by step (reverse sweep)")
    p.add_argument("--frames", metavar="FILE",
                   help="write backprop as an animation: one self-contained .html page "
                   "(slider, play/pause) or a .gif (needs Pillow)")
    p.set_defaults(handler=_graph)


def _require(extra: str, task: str, modules: dict[str, str]) -> None:
    """Raise one line naming what to install when any of ``modules`` (import name: project
    name) is missing, before any work is done."""
    missing = [project for name, project in modules.items() if find_spec(name) is None]
    if missing:
        raise CommandError(f"{task} needs {' and '.join(missing)}, which "
                           f"{'is' if len(missing) == 1 else 'are'} not installed: "
                           f"{install_hint(extra, missing)}")


def _demo(args: argparse.Namespace) -> int:
    _require("demo", "the demo", {"matplotlib": "matplotlib", "sklearn": "scikit-learn"})
    from .demo import run_demo

    res = run_demo(args.out, progress=False if args.no_progress else None, seed=args.seed)
    if res.mlp_accuracy < 0.95 or res.logreg_accuracy < res.lda_accuracy - 0.01:
        print(f"{PROG}: the demo missed its targets (MLP {res.mlp_accuracy:.1%} < 95%, or "
              "logistic regression more than a point below LDA)", file=sys.stderr)
        return 1
    return 0


def _add_demo(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="train the notes' logistic regression and an MLP on digits; write pictures",
        description="Logistic regression on two Gaussian classes next to LDA, an MLP trained "
        "with Adam on scikit-learn's digits, and PNG/SVG pictures of both and of the notes' "
        "computational graph.",
    )
    p.add_argument("--out", default="demo-output", metavar="DIR",
                   help="folder for the pictures (default: demo-output)")
    p.add_argument("--seed", type=seed, default=0, help="random seed, an int >= 0 (default 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=_demo)


def _gradcheck(args: argparse.Namespace) -> int:
    from .report import format_report, gradcheck_report

    rows = gradcheck_report(seed=args.seed)
    print(format_report(rows))
    return 0 if all(r.passed for r in rows) else 1


def _add_gradcheck(sub: Any) -> None:
    p = sub.add_parser(
        "gradcheck",
        help="check every registered op's gradients against central differences",
        description="Run the gradient check (first and second order, float64) over every op "
        "of the registry and print the worst errors per op.",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed, an int >= 0 (default 0)")
    p.set_defaults(handler=_gradcheck)


_COMMANDS: list[Callable[[Any], None]] = [_add_graph, _add_demo, _add_gradcheck]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    from . import __version__

    parser = _Parser(prog=PROG, description="Tools around the autograd_mini library.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _COMMANDS:
        add(sub)
    return parser


def seed(text: str) -> int:
    """``--seed``'s value: an int >= 0 (NumPy's generators refuse negative seeds)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an int >= 0, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a user error, with one line)."""
    from .expr import ExprError

    for stream in (sys.stdout, sys.stderr):  # a terminal or file that is not UTF-8: v̄ as v?
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            reconfigure(errors="replace")
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # NAME=VALUE after an option (graph "x*y" -o f.svg x=1): options go anywhere
            if getattr(args, "values", None) is None or any(
                    e.startswith("-") or "=" not in e for e in extra):
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            args.values = [*args.values, *extra]
        status: int = args.handler(args)
        return status
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # the reader went away (``| head``): nothing left to say
        sys.stderr.close()
        return 0
    except (CommandError, ExprError, ValueError, TypeError, RuntimeError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
