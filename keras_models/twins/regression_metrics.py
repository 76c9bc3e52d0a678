"""Scoring a regression model on the test split: MAE, RMSE and explained variance.

For y, y_hat of shape (m, k), and the errors e = y - y_hat:
    MAE  = mean |e|                      in the target's units (thousands of USD for the diamonds)
    RMSE = sqrt(mean e^2)                the square root of the MSE loss, back in the target's units
    explained variance = 1 - Var(e) / Var(y), per output column, then averaged over the columns
    (Var is the population variance. Unlike R^2 = 1 - mean(e^2) / Var(y) it ignores a constant
    offset in the errors: a model that is always 1 too high can still explain all the variance.)
"""

from __future__ import annotations

import numpy as np

from keras_models.twins.metric_inputs import checked_pair
from scratch.checks import UNDERFLOW_IS_ROUNDING


@UNDERFLOW_IS_ROUNDING       # a variance rounding to a subnormal is no error, whatever np.seterr a learner set
def regression_metrics(y_true, y_pred) -> dict[str, float]:
    """MAE, RMSE and explained variance of predictions y_pred (m, k) against targets y_true (m, k)."""
    y, y_hat = checked_pair(y_true, y_pred, "regression_metrics")
    e = y - y_hat                                                    # (m, k) errors
    var_y = y.var(axis=0)                                            # (k,)
    if (var_y == 0.0).any():
        raise ValueError(f"regression_metrics: explained variance is undefined: y_true is constant in output column(s) "
                         f"{np.flatnonzero(var_y == 0.0).tolist()}")
    return {
        "mae": float(np.mean(np.abs(e))),
        "rmse": float(np.sqrt(np.mean(e**2))),
        "explained_variance": float(np.mean(1.0 - e.var(axis=0) / var_y)),
    }
