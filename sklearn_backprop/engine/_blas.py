"""One BLAS level-1 routine the hot loops need and numpy lacks."""

from functools import cache

from scipy.linalg.blas import get_blas_funcs


@cache
def _axpy(dtype):
    return get_blas_funcs("axpy", dtype=dtype)


def add_scaled(y, a, x):
    """``y += a * x`` in place, in one pass with BLAS ``axpy``.

    numpy needs two passes (``a * x`` into a temporary, then the addition);
    optimizers and the L2 penalty do this on every parameter at every step.
    """
    result = _axpy(y.dtype)(x, y, a=a)
    if result is not y:  # axpy worked on a copy (y not contiguous, or x of another dtype)
        y[...] = result
