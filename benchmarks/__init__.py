"""Benchmark suite: autograd_mini against hand-written NumPy, PyTorch, HIPS autograd and MyGrad."""
