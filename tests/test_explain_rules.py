"""``explain_backward`` prints an op's rule as its docstring's whole first paragraph: a rule
that wraps onto a second line (norm, cross-entropy, the recurrent cells) was cut mid-formula."""

from __future__ import annotations

import numpy as np

import autograd_mini as am
import nn


def _rules(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  rule: ")]


def test_a_wrapped_rule_is_printed_whole() -> None:
    x = am.Tensor(np.array([3.0, -4.0]), requires_grad=True)
    (rule,) = _rules(am.explain_backward(am.norm(x)))
    assert "x̄ = ḡ sign(x) (|x|/‖x‖)^(p−1)" in rule and "  " not in rule[8:].replace(";  ", "")


def test_the_recurrent_cells_rules_reach_their_adjoints() -> None:
    h = nn.GRUCell(2, 3, rng=np.random.default_rng(0))(
        am.Tensor(np.ones((1, 2)), requires_grad=True))
    rules = _rules(am.explain_backward(h.sum()))
    assert any(r.startswith("  rule: h' = n + z ⊙ (h − n)") and "h̄ = h̄' ⊙ z" in r
               for r in rules)
