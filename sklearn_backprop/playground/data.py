"""The playground's data sets: seven two-dimensional problems, reproducible from a seed.

The code the page hands out imports :func:`make_data` from here, so that
running it at home draws exactly the points the page showed. Every set lives
in the square ``[-DOMAIN, DOMAIN]**2`` the page draws (noise may push a few
points out of it); scikit-learn's generators are used where they exist.
"""

import numpy as np
from sklearn.datasets import make_blobs, make_circles, make_moons

#: Half the side of the square the page draws: x1 and x2 in [-DOMAIN, DOMAIN].
DOMAIN = 3.0

#: The problems, by name: each is a classification (labels 0/1) or a regression.
CLASSIFICATION = ("circle", "xor", "gaussians", "spiral", "moons")
REGRESSION = ("plane", "mixture")
DATASETS = CLASSIFICATION + REGRESSION


def make_data(name, n_samples, noise, seed):
    """Draw one of the playground's data sets.

    Parameters
    ----------
    name : {"circle", "xor", "gaussians", "spiral", "moons", "plane", "mixture"}
        The first five are classifications (labels 0 and 1), the last two
        regressions.
    n_samples : int
        Number of points.
    noise : float
        In [0, 0.5]: the spread of the noise, as a fraction of the features'
        (classification) or the target's (regression) scale.
    seed : int
        Seed of the random draw.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        int labels for a classification, floats for a regression.

    Notes
    -----
    circle:     a disc of radius 1.25 (class 1) inside a ring of radius 2.5 (class 0)
    xor:        uniform in the square, y = [x1 * x2 > 0], positions jittered after labelling
    gaussians:  two round clouds around (-1.5, -1.5) and (1.5, 1.5)
    spiral:     two interleaved arms, r = 2.5 t, angle = 3.5 pi t (+ pi for class 1)
    moons:      scikit-learn's two half moons, centred and scaled by 1.8
    plane:      y = (x1 + 2 x2) / 9 + noise
    mixture:    y = sum of three Gaussian bumps of signs +, -, + + noise
    """
    rng = np.random.default_rng(seed)
    if name == "circle":
        X, y = make_circles(n_samples, noise=noise / 2, factor=0.5, random_state=seed)
        return X * 2.5, y
    if name == "xor":
        X = rng.uniform(-DOMAIN, DOMAIN, size=(n_samples, 2))
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
        return X + rng.normal(scale=noise * DOMAIN / 2, size=X.shape), y
    if name == "gaussians":
        centers = [[-1.5, -1.5], [1.5, 1.5]]
        spread = 0.5 + 2 * noise
        return make_blobs(n_samples, centers=centers, cluster_std=spread, random_state=seed)
    if name == "spiral":
        t = np.sqrt(rng.uniform(0.02, 1, size=n_samples))
        y = rng.integers(0, 2, size=n_samples)
        angle = 3.5 * np.pi * t + np.pi * y
        X = 2.5 * t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
        return X + rng.normal(scale=noise, size=X.shape), y
    if name == "moons":
        X, y = make_moons(n_samples, noise=noise / 2, random_state=seed)
        return (X - [0.5, 0.25]) * 1.8, y
    if name == "plane":
        X = rng.uniform(-DOMAIN, DOMAIN, size=(n_samples, 2))
        y = (X[:, 0] + 2 * X[:, 1]) / 9
        return X, y + rng.normal(scale=noise, size=n_samples)
    if name == "mixture":
        X = rng.uniform(-DOMAIN, DOMAIN, size=(n_samples, 2))
        y = np.zeros(n_samples)
        for sign, center in [(1, (-1.5, 1.5)), (-1, (1.5, 0.0)), (1, (-0.5, -1.8))]:
            y += sign * np.exp(-np.sum((X - center) ** 2, axis=1) / 1.5)
        return X, y + rng.normal(scale=noise, size=n_samples)
    raise ValueError(f"Unknown data set {name!r}: choose one of {DATASETS}.")
