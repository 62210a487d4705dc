"""Suite-wide pytest setup (tests and the package's doctests)."""

import os

# scikit-learn's check_estimator includes a check that turning array API dispatch on
# changes nothing for NumPy input; it needs scipy's array API mode, which is read when
# scipy is first imported. Without it that check is skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas():
    """One BLAS thread for the whole suite.

    The test problems are tiny, and a multi-threaded OpenBLAS spends its time
    waking threads: on a busy 2-core machine scipy's L-BFGS-B ran ~100x slower
    in wall time. Results do not depend on it; GridSearchCV(n_jobs=2) workers
    are separate processes and pick their own thread count.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
