#!/usr/bin/python3
"""Runs scikit-learn's KMeans from given initial centres, for the C++ k-means parity test.

Usage: kmeans_fit.py OUTDIR

Reads OUTDIR/points.csv (one row of numbers per line, no header) and OUTDIR/init.csv (the k initial centres, same
layout), fits sklearn.cluster.KMeans(n_clusters=k, init=<those centres>, n_init=1, algorithm="lloyd",
max_iter=300, tol=0) and writes OUTDIR/kmeans.json: {"labels": [...], "centers": [[...], ...], "inertia": x,
"n_iter": n}.

Exits 3 if scikit-learn is not installed, so the caller can tell that apart from a failure.
"""

import json
import os
import sys

try:
    import numpy
    from sklearn.cluster import KMeans
except ImportError as error:
    print(f"scikit-learn is not available: {error}", file=sys.stderr)
    sys.exit(3)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    points = numpy.loadtxt(os.path.join(out_dir, "points.csv"), delimiter=",", ndmin=2)
    init = numpy.loadtxt(os.path.join(out_dir, "init.csv"), delimiter=",", ndmin=2)
    model = KMeans(n_clusters=init.shape[0], init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=0.0)
    model.fit(points)
    result = {
        "labels": [int(label) for label in model.labels_],
        "centers": [[float(value) for value in center] for center in model.cluster_centers_],
        "inertia": float(model.inertia_),
        "n_iter": int(model.n_iter_),
    }
    with open(os.path.join(out_dir, "kmeans.json"), "w") as out:
        json.dump(result, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
