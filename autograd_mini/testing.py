"""Hypothesis strategies for shapes, arrays and op inputs, and gradient property tests."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:
    from .checks import install_hint

    raise ImportError("autograd_mini.testing needs hypothesis, which is not installed: "
                      f"{install_hint('test', ['hypothesis'])}") from None

from . import catalog
from .catalog import BOUND, OpSpec, Shape
from .checks import is_int
from .engine import Primitive
from .grad_mode import enable_grad, no_grad
from .gradcheck import GradcheckError, differentiated, gradcheck, gradgradcheck
from .opsamples import check_sampleable, draw_inputs, user_op
from .tensor import Tensor, wrap

__all__ = [
    "DrawChooser",
    "arrays",
    "broadcastable_shapes",
    "gradient_property",
    "indices",
    "matmul_shapes",
    "noncontiguous",
    "op_inputs",
    "shapes",
    "tensors",
    "valid_axes",
]

ShapeLike = int | Sequence[int] | st.SearchStrategy[tuple[int, ...]]


#: Arrays up to this many elements are drawn element by element (see ``DrawChooser.uniform``).
ELEMENTWISE = 256


class DrawChooser:
    """The catalog's ``Chooser`` backed by Hypothesis' ``draw`` (so examples shrink)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))

    def uniform(self, shape: Shape) -> np.ndarray:
        """Values in [−1, 1]: one Hypothesis float per element (they shrink one by one) up to
        ``ELEMENTWISE`` elements; beyond, where Hypothesis would refuse a draw that large, a
        NumPy generator seeded by Hypothesis fills the array (it shrinks as its seed)."""
        n = int(np.prod(shape, dtype=np.int64))
        if n > ELEMENTWISE:
            seed = self.draw(st.integers(0, 2**32 - 1))
            return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)
        vals = self.draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n))
        return np.array(vals, dtype=np.float64).reshape(shape)

    def permutation(self, n: int) -> list[int]:
        return list(self.draw(st.permutations(range(n))))


@st.composite
def _chosen_values(draw: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return fn(DrawChooser(draw), *args)


def _chosen(fn: Callable[..., Any], *args: Any) -> st.SearchStrategy[Any]:
    """A strategy whose values are ``fn(chooser, *args)``."""
    return _chosen_values(fn, args)


def _check_sides(min_dims: int, max_dims: int, min_side: int, max_side: int) -> None:
    if not 0 <= min_dims <= max_dims or not 0 <= min_side <= max_side:
        raise ValueError(
            f"need 0 ≤ min_dims ≤ max_dims and 0 ≤ min_side ≤ max_side, got dims "
            f"[{min_dims}, {max_dims}] and sides [{min_side}, {max_side}]"
        )


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3
           ) -> st.SearchStrategy[Shape]:
    """Shapes with ``min_dims ≤ ndim ≤ max_dims`` and every side in ``[min_side, max_side]``."""
    _check_sides(min_dims, max_dims, min_side, max_side)
    return _chosen(catalog.draw_shape, min_dims, max_dims, min_side, max_side)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
                         max_side: int = 3) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``n`` mutually broadcastable shapes (different ranks, sides of 1 stretched).

    With ``min_side=0`` zero-size axes appear too (a 0 broadcasts only against 0 or 1).
    """
    _check_sides(min_dims, max_dims, min_side, max_side)
    if n < 1:
        raise ValueError(f"broadcastable_shapes: n must be ≥ 1, got {n}")
    return _chosen(catalog.draw_broadcastable, n, min_dims, max_dims, min_side, max_side)


def arrays(shape: ShapeLike, dtype: Any = np.float64, domain: str = "real",
           bound: float = BOUND) -> st.SearchStrategy[np.ndarray]:
    """Float arrays of ``shape`` (tuple or strategy), values in ``domain`` ∩ [−bound, bound].

    Domains: "real", "positive" (≥ 0.2), "nonzero" (|x| ≥ 0.1), "above_minus_one" (≥ −0.8):
    the margins keep central differences inside the domain. Up to ``ELEMENTWISE`` (256)
    elements each value is a Hypothesis draw of its own, which shrinks; a larger array (a
    64×10 weight) comes from a NumPy generator seeded by Hypothesis, which it cannot shrink
    element by element but which draws any size.
    """
    if domain not in catalog.DOMAINS:
        raise ValueError(f"arrays: unknown domain {domain!r}; known: {sorted(catalog.DOMAINS)}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"arrays: dtype must be floating, got {np.dtype(dtype)}")
    if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, (int, float, np.number)):
        raise TypeError(f"arrays: bound must be a real number, got {bound!r:.60}")
    if not bound > max(catalog.DOMAINS[domain], 0.0):
        raise ValueError(f"arrays: bound {bound} leaves no room in domain {domain!r}")
    if not bound <= float(np.finfo(dtype).max):  # (also refuses inf and nan)
        raise ValueError(f"arrays: bound must be finite in {np.dtype(dtype)}, got {bound}")
    if isinstance(shape, st.SearchStrategy):
        return _arrays(shape, np.dtype(dtype), domain, bound)
    dims = (shape,) if is_int(shape) else shape
    if not isinstance(dims, (tuple, list)) or not all(is_int(n) and n >= 0 for n in dims):
        raise ValueError(f"arrays: shape must be a tuple of sizes ≥ 0, an int or a strategy of "
                         f"shapes, got {shape!r:.60}")
    return _arrays(tuple(dims), np.dtype(dtype), domain, bound)


@st.composite
def _arrays(draw: Any, shape: Shape | st.SearchStrategy[Shape], dtype: np.dtype, domain: str,
            bound: float) -> np.ndarray:
    shp = draw(shape) if isinstance(shape, st.SearchStrategy) else tuple(shape)
    u = DrawChooser(draw).uniform(shp)
    return np.asarray(catalog.domain_values(u, domain, bound), dtype=dtype)


def tensors(shape: ShapeLike, dtype: Any = np.float64, domain: str = "real",
            bound: float = BOUND, requires_grad: bool = False) -> st.SearchStrategy[Tensor]:
    """Tensors whose data come from ``arrays(shape, dtype, domain, bound)``."""
    return arrays(shape, dtype, domain, bound).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def valid_axes(ndim: int) -> st.SearchStrategy[Any]:
    """``axis`` arguments valid for ``ndim`` dims: None, an int, a negative int or a tuple."""
    if not is_int(ndim) or ndim < 0:
        raise ValueError(f"valid_axes: ndim must be an int ≥ 0, got {ndim!r:.60}")
    return _chosen(catalog.draw_axes, ndim)


def matmul_shapes(max_batch_dims: int = 2, max_side: int = 3
                  ) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Shape pairs ``matmul`` accepts: 1-d·1-d, 1-d·n-d, n-d·1-d and batches that broadcast."""
    return _chosen(catalog.draw_matmul_shapes, max_batch_dims, max_side)


def indices(shape: Shape) -> st.SearchStrategy[Any]:
    """Valid ``getitem`` indices for ``shape``: ints, slices, None/Ellipsis, int arrays, masks
    (on an axis of length 0, slices and empty int arrays)."""
    return _chosen(catalog.draw_index, tuple(shape))


def _spec_inputs(ch: DrawChooser, spec: OpSpec, dtype: Any, shapes: Any) -> Any:
    return catalog.build_inputs(spec, ch, dtype, shapes)


def _op_inputs(ch: DrawChooser, op: Primitive, dtype: Any, shapes: Any) -> Any:
    return draw_inputs(op, ch, dtype, shapes)


def op_inputs(spec_or_name: OpSpec | Primitive | str, dtype: Any = np.float64,
              shapes: tuple[Shape, ...] | None = None,
              ) -> st.SearchStrategy[tuple[list[np.ndarray], dict[str, Any]]]:
    """``(arrays, attrs)`` for an op (a catalog spec, a registered op's name, or a primitive):
    inputs in its declared domain, off its kinks. A primitive of your own is drawn by the
    sampler given with ``opsamples.set_sampler``, else as elementwise (inputs of broadcastable
    shapes, no attributes: ``opsamples.SamplingError`` if it needs attributes, here, or turns
    out not to be elementwise, when drawn). ``shapes`` fixes the input shapes of elementwise
    ops.
    """
    op = spec_or_name if isinstance(spec_or_name, Primitive) else (
        user_op(spec_or_name) if isinstance(spec_or_name, str) else None)
    if op is not None:
        check_sampleable(op)  # (say it now, not at the first draw)
        return _chosen(_op_inputs, op, dtype, shapes)
    spec = catalog.get_spec(spec_or_name) if isinstance(spec_or_name, str) else spec_or_name
    return _chosen(_spec_inputs, spec, dtype, shapes)


def _strided_view(a: np.ndarray, offset: int) -> np.ndarray:
    """``a``'s values in every other slot of a NaN-filled buffer (all strides doubled)."""
    if a.ndim == 0:
        return a[...]
    big = np.full((*a.shape[:-1], 2 * a.shape[-1] + 1), np.nan, dtype=a.dtype)
    view = big[..., offset::2][..., : a.shape[-1]]
    view[...] = a
    return view


def _view(a: Any, mode: int, offset: int) -> Any:
    """``a`` (an array, or a Tensor: its data) as a non-contiguous view of the same values."""
    if isinstance(a, Tensor):  # a new leaf around the view (Tensor(view) would copy it)
        t = wrap(_view(a.data, mode, offset), name=a.name)
        t.requires_grad = a.requires_grad
        return t
    a = np.asarray(a)
    if mode == 1 and sum(s > 1 for s in a.shape) >= 2:
        return np.ascontiguousarray(a.T).T  # Fortran order: not C-contiguous
    return _strided_view(a, offset)


def noncontiguous(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The arrays ``strategy`` draws (an array, a Tensor, or a list/tuple of them) as
    non-contiguous views (a Tensor as a new Tensor around one, with its ``requires_grad``).

    Each view holds the same values: a transposed copy seen through ``.T`` or every other slot
    of a NaN-filled buffer. An array of fewer than 2 elements is contiguous in any layout.
    """
    return _views(strategy)


@st.composite
def _views(draw: Any, strategy: st.SearchStrategy[Any]) -> Any:
    value = draw(strategy)
    mode, offset = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    if isinstance(value, (np.ndarray, Tensor)):
        return _view(value, mode, offset)
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"noncontiguous: the strategy must draw an array, a Tensor or a list or "
                        f"tuple of them, got {type(value).__name__}")
    return type(value)(_view(a, mode, offset) for a in value)


def gradient_property(
    f: Callable[..., Tensor],
    *arg_strategies: st.SearchStrategy[Any],
    second_order: bool = False,
    fast: bool = False,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> Callable[[], None]:
    """A Hypothesis test checking ``f``'s gradients on arguments drawn from ``arg_strategies``.

    Each example runs ``gradcheck`` (and ``gradgradcheck`` if ``second_order``) with a random
    upstream gradient, on the arguments as drawn, so ``gradcheck``'s rule decides which are
    differentiated: floating arrays and Tensors that require grad. Other draws are passed to
    ``f`` as constants: ``st.integers`` for an axis, ``indices``, integer arrays, ``tensors()``
    without ``requires_grad``, and Python floats (``st.floats``: a hyper-parameter, as in
    ``torch.autograd.gradcheck``) next to a differentiated argument. To check the gradient in a
    scalar, draw it as an array: ``arrays(())``.
    Those checks run in float64 on contiguous copies, so where the drawn floating arrays or
    Tensors are float32 or strided views (``noncontiguous``), ``f``'s gradient on them as
    drawn must also match its float64 gradient, to the drawn dtype's precision. Assign the
    result to a ``test_*`` name for pytest to collect it::

        test_my_loss = gradient_property(my_loss, arrays((3,)), arrays((3,), domain="positive"))

    Hypothesis' per-example deadline (200 ms unless your settings profile sets one) is off:
    one example costs 2D + 1 evaluations of ``f`` for D input elements, more with
    ``second_order``. A deadline your profile sets is kept, and a ``@settings(...)`` applied
    to the test replaces these settings (Hypothesis' rule), deadline included.
    """
    if not arg_strategies:
        raise ValueError("gradient_property: give one strategy per argument of f")
    fname = getattr(f, "__name__", "f")
    names = _argument_names(f, len(arg_strategies))
    seed_name = "seed" if "seed" not in names else "seed_"

    def check(**kwargs: Any) -> None:
        args = [kwargs[n] for n in names]
        rng = np.random.default_rng(kwargs[seed_name])
        gradcheck(f, args, eps, atol, rtol, fast, rng)
        _as_drawn(f, args, rng)
        if second_order:
            gradgradcheck(f, args, eps, atol, rtol, fast, rng)

    # Hypothesis reports a failure as a call of the test function: named and shaped like f, it
    # reads "my_loss(w=array(...), x=array(...), seed=0)".
    kind = inspect.Parameter.KEYWORD_ONLY
    check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, kind) for n in (*names, seed_name)])
    check.__name__ = check.__qualname__ = fname
    strategies = dict(zip(names, arg_strategies))
    test = given(**strategies, **{seed_name: st.integers(0, 2**32 - 1)})(check)
    test.__name__ = test.__qualname__ = f"gradient_property_{fname}"
    _no_default_deadline(test)
    return test


def _no_default_deadline(test: Callable[..., None]) -> None:
    """Turn Hypothesis' per-example deadline off for ``test`` if the loaded profile keeps
    Hypothesis' own (a profile that chose a deadline, or None, is left alone)."""
    current = settings.default
    if current is None or current.deadline != settings.get_profile("default").deadline:
        return
    # Set where @given keeps the test's settings rather than with @settings(...)(test), which
    # would make Hypothesis refuse the user's own @settings on the test.
    chosen = settings(current, deadline=None)
    test._hypothesis_internal_use_settings = chosen  # type: ignore[attr-defined]


def _drawn_data(a: Any) -> np.ndarray:
    """The array of a floating argument as drawn: a Tensor's data, an array itself."""
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _as_drawn(f: Callable[..., Tensor], args: list[Any], rng: np.random.Generator) -> None:
    """Check ``f``'s gradient on the arguments gradcheck differentiates, as drawn (arrays or
    Tensors: their data's dtype and strides), against its gradient on float64 contiguous
    copies, when the two differ at all. A floating Tensor held constant is kept as drawn, or
    copied to float64, alongside."""
    diff = differentiated(args, "gradient_property")
    floating = [d or (isinstance(a, Tensor) and a.data.dtype.kind == "f")
                for a, d in zip(args, diff)]
    drawn = [_drawn_data(a) if fl else a for a, fl in zip(args, floating)]
    if not any(fl and (x.dtype != np.float64 or not x.flags.c_contiguous)
               for x, fl in zip(drawn, floating)):
        return
    low = min((x.dtype for x, fl in zip(drawn, floating) if fl),
              key=lambda t: np.finfo(t).bits)
    tol = max(1e3 * float(np.finfo(low).eps), 1e-7)

    def call(data: list[Any]) -> tuple[Any, list[Tensor]]:
        """``f`` on new leaves around ``data`` (views and dtypes kept), and its leaves."""
        leaves = [wrap(x) if fl else x for x, fl in zip(data, floating)]
        for t, d in zip(leaves, diff):
            if d:
                t.requires_grad = True
        with enable_grad():
            return f(*leaves), [t for t, d in zip(leaves, diff) if d]

    def grads(data: list[Any]) -> list[np.ndarray]:
        """The gradients of ⟨u, f⟩ for ``data`` used as they are."""
        out, leaves = call(data)
        if not isinstance(out, Tensor) or not out.requires_grad:
            return []
        out.backward(u.astype(out.dtype))
        return [np.zeros(t.shape) if t.grad is None else t.grad.data.astype(np.float64)
                for t in leaves]

    with no_grad():
        shape = np.shape(f(*[wrap(x) if fl else x for x, fl in zip(drawn, floating)]).data)
    u = rng.standard_normal(shape)
    got = grads(drawn)
    # (np.array, not np.ascontiguousarray: that makes a 0-d array 1-d)
    want = grads([np.array(x, dtype=np.float64, order="C") if fl else x
                  for x, fl in zip(drawn, floating)])
    positions = [i for i, d in enumerate(diff) if d]
    for k, g, w in zip(positions, got, want):
        scale = max(float(np.max(np.abs(w[np.isfinite(w)]), initial=0.0)), 1.0)
        if not np.allclose(g, w, rtol=tol, atol=tol * scale):
            worst = np.unravel_index(int(np.argmax(np.abs(g - w))), np.shape(w))
            x = drawn[k]
            kind = "Tensor, " if isinstance(args[k], Tensor) else ""
            raise GradcheckError(
                f"{getattr(f, '__name__', 'f')}: the gradient for argument {k} as drawn "
                f"({kind}{x.dtype}, {'contiguous' if x.flags.c_contiguous else 'strided'}) "
                f"differs from the float64 one at element {tuple(int(i) for i in worst)}: "
                f"{float(g[worst]):.8g} against {float(w[worst]):.8g}")


def _argument_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of ``f``'s first ``n`` positional parameters, or arg0, arg1, ... if it has
    fewer (``*args``) or no signature."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in params[:n] if p.kind in kinds]
    return names if len(names) == n else [f"arg{i}" for i in range(n)]
