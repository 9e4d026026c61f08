"""The CSV the C++ parity tests read for all-numeric data: features f0..fN (repr() of each double, which reads
back to the same value), then "target" (a class index)."""

import csv


def write_numbered_csv(path, x, y):
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([f"f{idx}" for idx in range(x.shape[1])] + ["target"])
        for row, target in zip(x, y):
            writer.writerow([repr(float(value)) for value in row] + [int(target)])
