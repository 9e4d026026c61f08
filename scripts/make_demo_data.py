#!/usr/bin/python3
"""Generates data/demo/house_sales.csv, the demo data set AMP trains its demo model on.

3000 synthetic house sales with a fixed seed, so running it twice gives identical bytes. The price is roughly linear
in square feet, bedrooms and location plus smaller effects and noise, so a linear model on
square_feet + num_bedrooms + location_code prices a 1650 sq ft, 3 bedroom house at location 100 at about $300k.
Missing values are empty cells. Run with Debian's python3 (it has numpy): /usr/bin/python3 scripts/make_demo_data.py
"""

import argparse
import csv
import io
import pathlib

import numpy as np

SEED = 20261128
ROW_COUNT = 3000

LOCATION_CODES = [100, 200, 300, 400, 500]
LOCATION_SHARE = [0.30, 0.25, 0.20, 0.15, 0.10]
LOCATION_PREMIUM = {100: 0, 200: 22_000, 300: 48_000, 400: 71_000, 500: 104_000}

NEIGHBORHOODS = ["Riverside", "Old Town", "Maple Heights", "Lakeview", "Westfield", "Cedar Park"]
NEIGHBORHOOD_SHARE = [0.22, 0.18, 0.17, 0.16, 0.15, 0.12]
NEIGHBORHOOD_PREMIUM = {
    "Riverside": 12_000,
    "Old Town": -6_000,
    "Maple Heights": 18_000,
    "Lakeview": 25_000,
    "Westfield": 0,
    "Cedar Park": 5_000,
}

COLUMNS = [
    "square_feet",
    "num_bedrooms",
    "num_bathrooms",
    "location_code",
    "year_built",
    "lot_size",
    "neighborhood",
    "has_garage",
    "price",
]


def generate_rows(rng):
    """Returns the rows as lists of cell strings, in COLUMNS order."""
    square_feet = np.clip(np.round(rng.lognormal(mean=np.log(1800), sigma=0.38, size=ROW_COUNT)), 500, 5000)
    square_feet = square_feet.astype(int)

    bedrooms = np.clip(np.round(square_feet / 600 + rng.normal(0.0, 0.6, ROW_COUNT)), 1, 6).astype(int)
    bathrooms = np.clip(np.round((0.5 * bedrooms + square_feet / 2000 + rng.normal(0.0, 0.4, ROW_COUNT)) * 2) / 2,
                        1.0, 5.0)
    location = rng.choice(LOCATION_CODES, size=ROW_COUNT, p=LOCATION_SHARE)
    year_built = np.clip(np.round(rng.normal(1985, 22, ROW_COUNT)), 1900, 2025).astype(int)
    lot_size = np.round(square_feet * rng.uniform(1.6, 4.5, ROW_COUNT) + rng.normal(0.0, 300.0, ROW_COUNT), 1)
    lot_size = np.maximum(lot_size, 800.0)
    neighborhood = rng.choice(NEIGHBORHOODS, size=ROW_COUNT, p=NEIGHBORHOOD_SHARE)
    has_garage = rng.random(ROW_COUNT) < np.clip(0.35 + square_feet / 5000, 0.0, 0.95)

    price = (
        45_000
        + 118.0 * square_feet
        + 9_500.0 * bedrooms
        + 6_000.0 * bathrooms
        + np.array([LOCATION_PREMIUM[code] for code in location])
        + np.array([NEIGHBORHOOD_PREMIUM[name] for name in neighborhood])
        + 150.0 * (year_built - 1985)
        + 1.5 * (lot_size - 5000.0)
        + 11_000.0 * has_garage
        + rng.normal(0.0, 24_000.0, ROW_COUNT)
    )
    price = np.maximum(np.round(price), 60_000).astype(int)

    # Missingness is drawn after all values so that it does not shift the value streams above.
    year_missing = rng.random(ROW_COUNT) < 0.02
    lot_missing = rng.random(ROW_COUNT) < 0.05
    neighborhood_missing = rng.random(ROW_COUNT) < 0.01

    rows = []
    for row_idx in range(ROW_COUNT):
        rows.append([
            str(square_feet[row_idx]),
            str(bedrooms[row_idx]),
            f"{bathrooms[row_idx]:.1f}",
            str(location[row_idx]),
            "" if year_missing[row_idx] else str(year_built[row_idx]),
            "" if lot_missing[row_idx] else f"{lot_size[row_idx]:.1f}",
            "" if neighborhood_missing[row_idx] else str(neighborhood[row_idx]),
            "true" if has_garage[row_idx] else "false",
            str(price[row_idx]),
        ])
    return rows


def render_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def main():
    repo_root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=repo_root / "data" / "demo" / "house_sales.csv")
    args = parser.parse_args()

    content = render_csv(generate_rows(np.random.default_rng(SEED)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"wrote {ROW_COUNT} rows, {len(content)} bytes to {args.out}")


if __name__ == "__main__":
    main()
