"""The training loop: history, validation, schedulers, interruption, non-finite losses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_mini as am
import nn
import optim
from autograd_mini.data import DataLoader


def _problem(seed: int = 0) -> tuple[nn.Module, DataLoader, DataLoader]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.int64)
    model = nn.MLP([3, 8, 2], rng=rng)
    return model, DataLoader(X, y, 16, shuffle=True, rng=rng), DataLoader(X, y, 64)


def test_fit_records_history_and_learns() -> None:
    model, train, val = _problem()
    opt = optim.SGD(model.parameters(), lr=0.5)
    hist = am.fit(model, train, nn.functional.cross_entropy, opt, epochs=20, val=val,
                  metrics={"accuracy": am.accuracy}, progress=False)
    assert hist.epochs == 20 and len(hist.step_loss) == 20 * len(train)
    assert hist.loss[-1] < hist.loss[0]
    assert len(hist.metrics["val_loss"]) == 20 and hist.metrics["val_accuracy"][-1] > 0.9
    assert len(hist.metrics["accuracy"]) == 20  # the training batches' accuracy too
    assert not hist.interrupted


def test_fit_records_metrics_on_the_training_data_without_val() -> None:
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.5)
    seen: list[float] = []

    def share_of_ones(out: am.Tensor, y: Any) -> float:
        seen.append(len(y))
        return float(np.mean(np.asarray(y) == 1))

    hist = am.fit(model, train, nn.functional.cross_entropy, opt, epochs=20,
                  metrics={"accuracy": am.accuracy, "ones": share_of_ones}, progress=False)
    assert sorted(hist.metrics) == ["accuracy", "ones"]
    assert len(hist.metrics["accuracy"]) == 20 and hist.metrics["accuracy"][-1] > 0.9
    y = np.concatenate([b[1].data for b in train])
    assert hist.metrics["ones"] == pytest.approx([np.mean(y == 1)] * 20)  # batch-size weighted
    assert len(seen) == 20 * len(train)


def test_fit_steps_schedulers_including_plateau() -> None:
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    am.fit(model, train, nn.functional.cross_entropy, opt, epochs=3, scheduler=sched,
           progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)
    opt2 = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt2, patience=0, factor=0.5)
    am.fit(model, train, lambda out, y: (out * 0).sum() + 1.0, opt2, epochs=3,
           scheduler=plateau, progress=False)  # constant loss: never improves
    assert opt2.param_groups[0]["lr"] < 0.1


def test_fit_ctrl_c_returns_history_so_far() -> None:
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    calls = {"n": 0}

    def loss_fn(out: am.Tensor, y: Any) -> am.Tensor:
        calls["n"] += 1
        if calls["n"] == len(train) * 2 + 1:
            raise KeyboardInterrupt
        return nn.functional.cross_entropy(out, y)

    hist = am.fit(model, train, loss_fn, opt, epochs=5, progress=False)
    assert hist.interrupted and hist.epochs == 2


def test_fit_refuses_non_finite_loss() -> None:
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FloatingPointError, match="epoch 0, step 0"):
        am.fit(model, train, lambda out, y: (out * np.nan).sum(), opt, progress=False)


def test_accuracy_label_conventions() -> None:
    assert am.accuracy(am.Tensor([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0])) == 0.5
    pm1 = am.accuracy(am.Tensor([0.5, -0.2, 0.1]), np.array([1.0, -1.0, -1.0]))
    assert pm1 == pytest.approx(2 / 3)
    assert am.accuracy(am.Tensor([0.5, -0.2]), np.array([1, 1])) == 0.5


def test_accuracy_of_class_indices_in_a_column_or_a_row() -> None:
    logits = am.Tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 1.0], [0.0, 1.0, 4.0]])
    for target in ([1, 0, 2], [[1], [0], [2]], [[1, 0, 2]]):
        assert am.accuracy(logits, np.array(target)) == 1.0
    assert am.accuracy(logits, np.eye(3)[[1, 0, 0]]) == pytest.approx(2 / 3)  # one-hot rows
    assert am.accuracy(logits, np.array([[1], [2], [2]])) == pytest.approx(2 / 3)


def test_accuracy_threshold_for_probabilities() -> None:
    probs = am.Tensor([[0.9], [0.8], [0.2], [0.1]])
    assert am.accuracy(probs, np.array([1, 1, 0, 0]), threshold=0.5) == 1.0
    assert am.accuracy(probs, np.array([1, 1, 0, 0])) == 0.5  # at 0, as for logits
    with pytest.raises(TypeError, match="threshold must be a finite number"):
        am.accuracy(probs, np.array([1, 1, 0, 0]), threshold=float("nan"))


def test_evaluate_runs_in_eval_mode_and_gives_the_mode_back() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 3))
    y = rng.integers(0, 2, 32)
    model = nn.Sequential(nn.Linear(3, 8, rng=rng), nn.BatchNorm1d(8), nn.Dropout(0.5),
                          nn.Linear(8, 2, rng=rng))
    data = DataLoader(x, y, 8)
    stats = model.state_dict()
    first = am.evaluate(model, data, nn.functional.cross_entropy)
    assert am.evaluate(model, data, nn.functional.cross_entropy) == first  # no dropout
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in stats.items())  # BN kept
    assert model.training
    model.eval()
    am.evaluate(model, data, nn.functional.cross_entropy)
    assert not model.training
    model.train()
    model[1].eval()  # a frozen batch norm stays frozen: each module gets its own mode back
    am.evaluate(model, data, nn.functional.cross_entropy)
    assert [m.training for m in model.modules()] == [True, True, False, True, True]


def test_fit_with_validation_leaves_the_model_in_train_mode() -> None:
    model, train, val = _problem()
    modes: list[bool] = []
    am.fit(model, train, nn.functional.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
           epochs=2, val=val, progress=False, on_epoch_end=lambda e, h: modes.append(
               model.training))
    assert modes == [True, True] and model.training


@pytest.mark.parametrize("n", [4, 3])
def test_fit_refuses_the_pair_x_y_for_batches_and_says_how(n: int) -> None:
    """Keras' habit, fit(model, (X, y), ...): each array would be taken for a batch and
    unpacked row by row (too many values to unpack; with N = 2, a shape error elsewhere)."""
    model = nn.Linear(2, 1, rng=np.random.default_rng(0))
    X, y = np.ones((n, 2)), np.ones((n, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)
    pairs: list[Any] = [(X, y), [am.Tensor(X), y]]
    for pair in pairs:
        with pytest.raises(TypeError, match=r"fit: train is the pair \(X, y\) itself; pass "
                                            r"batches of it: DataLoader\(X, y"):
            am.fit(model, pair, nn.functional.mse_loss, opt, progress=False)
    with pytest.raises(TypeError, match=r"fit: val is the pair"):
        am.fit(model, [(X, y)], nn.functional.mse_loss, opt, val=pairs[0], progress=False)
    hist = am.fit(model, [(X, y)], nn.functional.mse_loss, opt, progress=False)  # as it says
    assert hist.epochs == 1
    stacked: Any = [np.stack([X[:, :1], y]), np.stack([X[:, 1:], y])]  # two (x, y) batches
    lin = nn.Linear(1, 1, rng=np.random.default_rng(0))
    two = am.fit(lin, stacked, nn.functional.mse_loss, optim.SGD(lin.parameters(), lr=0.1),
                 progress=False)  # a list of two stacked (x, y) batches is batches, as before
    assert two.epochs == 1


def test_fit_refuses_a_one_shot_iterator_for_several_epochs_up_front() -> None:
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(TypeError, match="fit: train is a one-shot iterator"):
        am.fit(model, (b for b in train), nn.functional.cross_entropy, opt, epochs=2,
               progress=False)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters()))
    hist = am.fit(model, (b for b in train), nn.functional.cross_entropy, opt, epochs=1,
                  progress=False)  # one epoch of a generator is fine
    assert hist.epochs == 1


def _weights(model: nn.Module) -> list[np.ndarray]:
    return [p.data.copy() for p in model.parameters()]


def test_fit_checks_every_argument_before_the_first_step() -> None:
    """A bad metric, scheduler, callback or empty validation set is refused up front: before,
    the model trained for an epoch and then failed with an error that did not name fit."""
    model, train, _ = _problem()
    opt = optim.SGD(model.parameters(), lr=0.5)
    before = _weights(model)
    ce = nn.functional.cross_entropy
    bad: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"metrics": [am.accuracy]}, TypeError, "fit: metrics must be a dict"),
        ({"metrics": {"acc": 5}}, TypeError, "fit: metric 'acc' must be a function"),
        ({"metrics": {"loss": am.accuracy}}, ValueError, "may not be named 'loss'"),
        ({"metrics": {"val_acc": am.accuracy}}, ValueError, "may not be named 'val_acc'"),
        ({"scheduler": 5}, TypeError, "fit: scheduler needs a step"),
        ({"on_epoch_end": 5}, TypeError, "fit: on_epoch_end must be a function"),
        ({"val": []}, ValueError, "fit: val has no batches"),
        ({"monitor": "val_loss"}, ValueError, "need a scheduler"),
        ({"scheduler": optim.lr_scheduler.StepLR(opt, 1), "scheduler_interval": "step"},
         ValueError, "scheduler_interval must be 'epoch' or 'batch'"),
    ]
    for kwargs, kind, match in bad:
        with pytest.raises(kind, match=match):
            am.fit(model, train, ce, opt, epochs=2, progress=False, **kwargs)
        assert all(np.array_equal(a, b) for a, b in zip(before, _weights(model))), kwargs
    with pytest.raises(TypeError, match="fit: train must be an iterable"):
        am.fit(model, 5, ce, opt, progress=False)  # type: ignore[arg-type]


def test_fit_and_evaluate_say_what_a_batch_and_a_loss_must_be() -> None:
    model, _, val = _problem()
    opt = optim.SGD(model.parameters(), lr=0.5)
    X, y = np.ones((8, 3)), np.zeros(8, dtype=np.int64)
    with pytest.raises(TypeError, match=r"batch 0 of train is a tuple of length 3, not an "
                                        r"\(input, target\) pair"):
        am.fit(model, [(X, y, y)], nn.functional.cross_entropy, opt,
               progress=False)
    with pytest.raises(TypeError, match="batch 0 of train is a ndarray of shape"):
        am.fit(model, [X], nn.functional.cross_entropy, opt,  # type: ignore[list-item]
               progress=False)
    with pytest.raises(ValueError, match=r"loss_fn returned a tensor of shape \(8,\); reduce "):
        am.fit(model, [(X, y)], lambda o, t: nn.functional.cross_entropy(o, t, reduction="none"),
               opt, progress=False)
    with pytest.raises(TypeError, match=r"loss_fn must return a one-element Tensor .* got float"):
        am.fit(model, [(X, y)], lambda o, t: 1.5, opt,  # type: ignore[arg-type,return-value]
               progress=False)
    # evaluate takes a plain number for the loss (nothing is backpropagated)
    number_loss: Any = lambda o, t: 1.5  # noqa: E731
    assert am.evaluate(model, [(X, y)], number_loss)["loss"] == 1.5
    with pytest.raises(ValueError, match="evaluate: a metric may not be named 'loss'"):
        am.evaluate(model, val, nn.functional.cross_entropy, metrics={"loss": am.accuracy})


@pytest.mark.filterwarnings("ignore:learning-rate schedule stepped before:UserWarning")
def test_fit_steps_a_one_cycle_schedule_after_every_batch() -> None:
    """OneCycleLR and CyclicLR are made to step per batch: fit does so (per epoch, the cycle
    would have covered a tenth of its steps, silently)."""
    model, train, _ = _problem()
    epochs = 3
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=epochs,
                                          steps_per_epoch=len(train))
    seen: list[float] = []
    am.fit(model, train, nn.functional.cross_entropy, opt, epochs=epochs, scheduler=sched,
           progress=False, on_epoch_end=lambda e, h: seen.append(opt.param_groups[0]["lr"]))
    assert sched.last_epoch == epochs * len(train)
    ref = optim.lr_scheduler.OneCycleLR(optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1,
                                                  momentum=0.9),
                                        max_lr=0.5, epochs=epochs, steps_per_epoch=len(train))
    lrs = []
    for _ in range(epochs * len(train)):
        ref.step()
        lrs.append(ref.get_last_lr()[0])
    assert seen == pytest.approx([lrs[(e + 1) * len(train) - 1] for e in range(epochs)])
    opt2 = optim.SGD(model.parameters(), lr=0.1)
    step = optim.lr_scheduler.StepLR(opt2, step_size=4, gamma=0.5)  # asked to step per batch
    am.fit(model, train, nn.functional.cross_entropy, opt2, scheduler=step,
           scheduler_interval="batch", progress=False)
    assert step.last_epoch == len(train) and opt2.param_groups[0]["lr"] == pytest.approx(0.05)


def test_fit_gives_a_plateau_schedule_the_monitored_value() -> None:
    model, train, val = _problem()
    opt = optim.SGD(model.parameters(), lr=0.1)
    grows = optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, factor=0.5)
    with pytest.raises(ValueError, match=r"mode='max'\) waits for a value to grow.*'val_acc'"):
        am.fit(model, train, nn.functional.cross_entropy, opt, scheduler=grows, val=val,
               metrics={"acc": am.accuracy}, progress=False)
    with pytest.raises(ValueError, match="monitor='acc2' is not recorded"):
        am.fit(model, train, nn.functional.cross_entropy, opt, scheduler=grows, val=val,
               metrics={"acc": am.accuracy}, monitor="acc2", progress=False)
    given: list[float] = []
    grows.step = lambda value: given.append(value)  # type: ignore[method-assign,assignment]
    hist = am.fit(model, train, nn.functional.cross_entropy, opt, epochs=2, scheduler=grows,
                  val=val, metrics={"acc": am.accuracy}, monitor="val_acc", progress=False)
    assert given == hist.metrics["val_acc"]


def test_on_epoch_end_returning_true_stops_training() -> None:
    model, train, val = _problem()
    opt = optim.SGD(model.parameters(), lr=0.5)

    def patience(epoch: int, hist: am.History) -> bool:  # early stopping, by hand
        return epoch >= 2

    hist = am.fit(model, train, nn.functional.cross_entropy, opt, epochs=10, val=val,
                  on_epoch_end=patience, progress=False)
    assert hist.epochs == 3 and not hist.interrupted
