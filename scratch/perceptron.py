"""The Rosenblatt perceptron: a single linear unit with a step output, trained by its update rule.

    f(x) = step(w . x + b)        step(z) = 1 if z > 0 else 0      (a tie z = 0 predicts 0)
    on a mistake:  w <- w + eta * (y - f(x)) * x,   b <- b + eta * (y - f(x))

Labels are y in {0, 1}, so y - f(x) is +1 (missed a positive), -1 (missed a negative) or 0 (no mistake).

The bias is folded into the weights, as in the tutorial: each input gets a constant 1 appended,
x' = [x, 1], and w' = [w, b], so that w' . x' = w . x + b and one update rule moves both. The fitted
`weights` (n,) and `bias` are split back out of w' (n + 1,) after training.

The updates are *online*: the samples are visited one at a time, in order, and w' changes right after
each mistake, before the next sample is looked at. That is the algorithm itself, not a missing
vectorisation. An epoch is one pass over the data; training stops after the first epoch without a
mistake (`converged = True`) or after `max_epochs` epochs (`converged = False`: on data that is not
linearly separable, such as XOR, it never stops making mistakes).

Tie convention: predict 1 iff w . x + b > 0, the same in training and prediction. (The tutorial's
snippet trains with `>= 0` but predicts with `> 0`, so a point on the boundary counts as 1 while
learning and 0 afterwards; here both use `> 0`.)
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from scratch.checks import as_float_array, elementwise


def _check_X(X, name: str = "X") -> np.ndarray:
    """X as a finite float64 array of shape (m, n) with m, n >= 1, or a clear error."""
    X = as_float_array(X, name, dtype=np.float64)                              # numeric and finite
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples, features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one sample and one feature, got shape {X.shape}")
    return X                                                                   # (m, n)


class Perceptron:
    """Binary linear classifier f(x) = step(x @ w + b), fitted with the perceptron rule.

    Shapes: X (m, n), y (m,) with values in {0, 1}; weights (n,), bias a float.

    After `fit`:
      weights, bias       the learned hyperplane w . x + b = 0
      converged           True if the last epoch made no mistake
      errors_per_epoch    mistakes (= updates) made during each epoch, a list of ints
      history_            [(weights, bias) at the start, after epoch 1, after epoch 2, ...]: one more
                          entry than errors_per_epoch, for drawing the boundary epoch by epoch
    """

    def __init__(self, learning_rate: float = 1.0, max_epochs: int = 100) -> None:
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise TypeError(f"learning_rate must be a real number, got {type(learning_rate).__name__}")
        try:
            eta = float(learning_rate)
        except OverflowError:                                 # an int such as 10**400, beyond every float
            eta = math.inf
        if not (math.isfinite(eta) and eta > 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate}")
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, numbers.Integral):
            raise TypeError(f"max_epochs must be an integer, got {type(max_epochs).__name__}")
        if max_epochs < 1:
            raise ValueError(f"max_epochs must be >= 1, got {max_epochs}")
        self.learning_rate = float(learning_rate)
        self.max_epochs = int(max_epochs)
        self.weights: np.ndarray | None = None
        self.bias: float | None = None
        self.converged = False
        self.errors_per_epoch: list[int] = []
        self.history_: list[tuple[np.ndarray, float]] = []

    def fit(self, X, y) -> Perceptron:
        """Run the perceptron rule from w = 0, b = 0 over the samples in order; returns self."""
        X = _check_X(X)                                                        # (m, n)
        y = np.asarray(elementwise(y, "y"))                                    # a masked entry refused
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X {X.shape}, got {y.shape}")
        if y.dtype.kind not in "biuf":
            raise TypeError(f"y must hold the numbers 0 and 1, got dtype {y.dtype}")
        bad = np.unique(y[(y != 0) & (y != 1)])
        if bad.size:
            raise ValueError(f"y must contain only 0 and 1, found {bad.tolist()}")
        y = y.astype(np.float64)                                               # (m,)

        eta = self.learning_rate
        X_aug = np.hstack([X, np.ones((X.shape[0], 1))])                       # (m, n + 1)  x' = [x, 1]
        w = np.zeros(X_aug.shape[1])                                           # (n + 1,)    w' = [w, b]
        self.errors_per_epoch = []
        self.history_ = [(w[:-1].copy(), float(w[-1]))]
        self.converged = False
        for _ in range(self.max_epochs):
            mistakes = 0
            for x, target in zip(X_aug, y, strict=True):                      # online: one sample at a time
                f = 1.0 if x @ w > 0 else 0.0                                  # step(w' . x'), tie -> 0
                if f != target:
                    w += eta * (target - f) * x                                # (n + 1,)  the update rule
                    mistakes += 1
            self.errors_per_epoch.append(mistakes)
            self.history_.append((w[:-1].copy(), float(w[-1])))
            if mistakes == 0:
                self.converged = True
                break
        self.weights, self.bias = w[:-1].copy(), float(w[-1])                 # (n,), scalar
        return self

    def decision_function(self, X) -> np.ndarray:
        """z = X @ w + b, the signed (unnormalised) distance to the boundary, shape (m,)."""
        if self.weights is None:
            raise ValueError("this Perceptron is not fitted yet: call fit(X, y) first")
        X = _check_X(X)
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features, but the perceptron was fitted on "
                             f"{self.weights.shape[0]}")
        # The same augmented product as in fit, so a point lands on the same side in both.
        X_aug = np.hstack([X, np.ones((X.shape[0], 1))])                       # (m, n + 1)
        return X_aug @ np.append(self.weights, self.bias)                      # (m,)

    def predict(self, X) -> np.ndarray:
        """Class labels step(X @ w + b) in {0, 1}, shape (m,); a tie (z = 0) predicts 0, as in fit."""
        return (self.decision_function(X) > 0).astype(np.int64)                # (m,)

    def __repr__(self) -> str:
        head = f"Perceptron(learning_rate={self.learning_rate}, max_epochs={self.max_epochs})"
        if self.weights is None:
            return head + "  # not fitted"
        epochs = len(self.errors_per_epoch)
        if self.converged:
            return head + f"  # converged: no mistakes in epoch {epochs}"
        return head + (f"  # NOT converged: {self.errors_per_epoch[-1]} mistakes in epoch {epochs} "
                       f"of {self.max_epochs} (not linearly separable, or too few epochs)")
