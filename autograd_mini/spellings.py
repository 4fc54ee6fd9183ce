"""PyTorch's spellings that the library names differently: reading ``x.view`` raises an
AttributeError that names ours (``reshape``); and ``Size``, the ``x.size`` that is NumPy's
element count and answers PyTorch's ``x.size()`` when called."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["DEVICES", "Size", "TorchSpellings", "torch_name"]

#: PyTorch's device names: ``to(device)`` takes "cpu" and refuses the others by name
DEVICES = ("cpu", "cuda", "mps", "meta", "xpu", "hpu", "xla", "ipu", "mtia")

_T = TypeVar("_T")


class torch_name:
    """A PyTorch spelling: reading it raises an AttributeError that names ours. (A getter only,
    so an instance attribute of that name, say a module's own ``self.to``, still wins.)"""

    def __init__(self, name: str, ours: str) -> None:
        self.name, self.ours = name, ours

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {self.name!r} (a "
                             f"PyTorch name): use {self.ours}")


class Size(int):
    """``x.size``: the number of elements, an int as NumPy's; called, it answers PyTorch's
    ``x.size()`` (the shape) and ``x.size(dim)`` (one length)."""

    shape: tuple[int, ...]

    def __new__(cls, n: int, shape: tuple[int, ...]) -> Size:
        out = super().__new__(cls, n)
        out.shape = shape
        return out

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return int, (int(self),)  # (pickled and copied as the plain int it is)

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size({dim}): dimension out of range for {len(self.shape)} axes")
        return self.shape[dim]


class TorchSpellings:
    """Tensor's base: PyTorch's names for what the library spells differently, each raising an
    AttributeError that names ours; and PyTorch's device moves, which have no NumPy name
    (``x.to("cpu")``, ``x.cpu()``: the tensor itself). (Descriptors, not ``__getattr__``: a
    class with ``__getattr__`` makes every attribute read of every Tensor slow.)"""

    __slots__ = ()

    view = torch_name("view", ".reshape(...)")
    view_as = torch_name("view_as", ".reshape(other.shape)")
    unsqueeze = torch_name("unsqueeze", ".expand_dims(axis)")
    permute = torch_name("permute", ".transpose(*axes)")
    zero_ = torch_name("zero_", ".grad = None or .zero_grad() (gradients), or x.data[...] = 0")
    dim = torch_name("dim", ".ndim")
    numel = torch_name("numel", ".size")
    clamp = torch_name("clamp", ".clip(a_min, a_max)")
    clamp_min = torch_name("clamp_min", ".clip(a_min=...)")
    clamp_max = torch_name("clamp_max", ".clip(a_max=...)")
    expand = torch_name("expand", ".broadcast_to(shape)")
    masked_fill = torch_name("masked_fill", "autograd_mini.where(mask, value, x)")
    clone = torch_name("clone", "x * 1 (a recorded copy) or autograd_mini.Tensor(x.data) (a new "
                                "leaf)")
    long = torch_name("long", ".astype(np.int64)")
    half = torch_name("half", ".astype(np.float16)")
    cuda = torch_name("cuda", "the tensor as it is: tensors live in NumPy arrays on the CPU")
    copy_ = torch_name("copy_", "with autograd_mini.no_grad(): x.data[...] = other.data")
    fill_ = torch_name("fill_", "x.data[...] = value, or nn.init.constant_(x, value)")
    normal_ = torch_name("normal_", "nn.init.normal_(x, mean, std)")
    uniform_ = torch_name("uniform_", "nn.init.uniform_(x, a, b)")
    add_ = torch_name("add_", "with autograd_mini.no_grad(): x += other")
    sub_ = torch_name("sub_", "with autograd_mini.no_grad(): x -= other")
    mul_ = torch_name("mul_", "with autograd_mini.no_grad(): x *= other")
    div_ = torch_name("div_", "with autograd_mini.no_grad(): x /= other")
    t = torch_name("t", ".T (or .swapaxes(-1, -2))")
    gather = torch_name("gather", "autograd_mini.take_along_axis(x, indices, axis)")
    index_select = torch_name("index_select", ".take(indices, axis)")
    chunk = torch_name("chunk", "autograd_mini.array_split(x, n, axis)")
    masked_select = torch_name("masked_select", "x[mask]")
    register_hook = torch_name("register_hook", "no gradient hooks here: read .grad after "
                               "backward(), or x.retain_grad() for an intermediate")
    mm = torch_name("mm", ".matmul(other) or x @ other")
    bmm = torch_name("bmm", ".matmul(other) or x @ other (batched over leading axes)")
    type = torch_name("type", ".astype(dtype) (and .dtype to read it)")
    contiguous = torch_name("contiguous", "the tensor as it is (NumPy keeps the layout; "
                            "np.ascontiguousarray(x.data) for a C-ordered array)")
    device = torch_name("device", "nothing: tensors live in NumPy arrays on the CPU")
    detach_ = torch_name("detach_", "x = x.detach() (a new leaf sharing the data)")
    split = torch_name("split", "autograd_mini.split(x, sections_or_indices, axis) (NumPy's "
                       "meaning: PyTorch's split(size) is array_split at multiples of size)")
    # PyTorch's methods for functions that NumPy's arrays have no method for either
    median = torch_name("median", "autograd_mini.median(x, axis) (NumPy's: the mean of the two "
                        "middle values for an even count)")
    nanmedian = torch_name("nanmedian", "autograd_mini.nanmedian(x, axis)")
    quantile = torch_name("quantile", "autograd_mini.quantile(x, q, axis)")
    nansum = torch_name("nansum", "autograd_mini.nansum(x, axis)")
    nanmean = torch_name("nanmean", "autograd_mini.nanmean(x, axis)")
    logit = torch_name("logit", "autograd_mini.logit(x, eps)")
    erfinv = torch_name("erfinv", "autograd_mini.erfinv(x)")
    erfc = torch_name("erfc", "autograd_mini.erfc(x)")
    xlogy = torch_name("xlogy", "autograd_mini.xlogy(x, y)")
    lerp = torch_name("lerp", "autograd_mini.lerp(x, end, weight)")
    nan_to_num = torch_name("nan_to_num", "autograd_mini.nan_to_num(x, nan, posinf, neginf)")
    diff = torch_name("diff", "autograd_mini.diff(x, n, axis)")
    cross = torch_name("cross", "autograd_mini.cross(x, other, axis)")
    kron = torch_name("kron", "autograd_mini.kron(x, other)")
    inverse = torch_name("inverse", "autograd_mini.linalg.inv(x)")
    det = torch_name("det", "autograd_mini.linalg.det(x)")
    logdet = torch_name("logdet", "autograd_mini.linalg.logdet(x)")
    slogdet = torch_name("slogdet", "autograd_mini.linalg.slogdet(x)")
    cholesky = torch_name("cholesky", "autograd_mini.linalg.cholesky(x)")
    pinverse = torch_name("pinverse", "autograd_mini.linalg.pinv(x)")
    matrix_power = torch_name("matrix_power", "autograd_mini.linalg.matrix_power(x, n)")
    svd = torch_name("svd", "autograd_mini.linalg.svd(x) (which returns Vh; x.svd() returned V)")

    def to(self: _T, *args: Any, **kwargs: Any) -> _T:
        """PyTorch's ``x.to(device)``: the tensor itself, on the CPU as everything here
        (``"cpu"``, ``"cpu:0"``, ``torch.device("cpu")``, ``device=``; ``non_blocking`` is
        accepted and means nothing). A dtype is refused: NumPy's name is ``.astype(dtype)``."""
        for key in kwargs:
            if key not in ("device", "non_blocking"):
                raise TypeError(f"to() got an unexpected keyword {key!r} (a device is all it "
                                "takes: .astype(dtype) converts)")
        for device in (*args, *(kwargs[k] for k in ("device",) if k in kwargs)):
            if str(device).split(":")[0] != "cpu":
                if str(device).split(":")[0] in DEVICES:
                    raise RuntimeError(f"to({device!r}): everything runs on the CPU here "
                                       "(NumPy arrays)")
                raise TypeError(f"to({device!r}): not a device ('cpu' is the one device "
                                "here); a dtype converts with .astype(dtype), NumPy's name")
        return self

    def cpu(self: _T) -> _T:
        """PyTorch's ``x.cpu()``: the tensor itself (tensors live in NumPy arrays, on the CPU)."""
        return self

    relu_ = torch_name("relu_", "x = x.relu() (ops make a new tensor)")
    sigmoid_ = torch_name("sigmoid_", "x = x.sigmoid() (ops make a new tensor)")
    tanh_ = torch_name("tanh_", "x = x.tanh() (ops make a new tensor)")
    exp_ = torch_name("exp_", "x = x.exp() (ops make a new tensor)")
    clamp_ = torch_name("clamp_", "x = x.clip(a_min, a_max) (ops make a new tensor); a "
                        "parameter in place: with autograd_mini.no_grad(): p[...] = "
                        "p.clip(a_min, a_max)")
    abs_ = torch_name("abs_", "x = abs(x) (ops make a new tensor)")
    neg_ = torch_name("neg_", "x = -x (ops make a new tensor)")
    new_zeros = torch_name("new_zeros", "autograd_mini.zeros(shape, dtype=x.dtype)")
    new_ones = torch_name("new_ones", "autograd_mini.ones(shape, dtype=x.dtype)")
    new_full = torch_name("new_full", "autograd_mini.full(shape, value, dtype=x.dtype)")
    new_tensor = torch_name("new_tensor", "autograd_mini.Tensor(data, dtype=x.dtype)")
    nelement = torch_name("nelement", ".size")
    eq = torch_name("eq", "x == other")
    ne = torch_name("ne", "x != other")
    lt = torch_name("lt", "x < other")
    le = torch_name("le", "x <= other")
    gt = torch_name("gt", "x > other")
    ge = torch_name("ge", "x >= other")
    float = torch_name("float", ".astype(np.float32)")
    double = torch_name("double", ".astype(np.float64)")
    # (last: from here on, ``int`` and ``bool`` in this class body would name these)
    int = torch_name("int", ".astype(np.int32)")
    bool = torch_name("bool", ".astype(bool), or a comparison (x != 0)")
