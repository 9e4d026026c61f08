#!/usr/bin/python3
"""Checks that every #include "area/..." in src/ follows the architecture's dependency picture (docs/architecture.md):
an area may include itself and the areas listed for it below, nothing else. Exits 1 and lists each wrong edge.
"""

import os
import re
import sys

ALLOWED = {
    "core": set(),
    "data": {"core"},
    "ml": {"core", "data"},
    "storage": {"core", "data"},
    "metrics": {"core"},
    "auth": {"core", "data", "storage"},
    "registry": {"core", "data", "ml", "storage"},
    "monitoring": {"core", "data", "ml", "storage", "registry"},
    "training": {"core", "data", "ml", "storage", "registry", "monitoring"},
    "serving": {"core", "data", "ml", "storage", "registry", "monitoring"},
    "api": {"core", "data", "ml", "storage", "registry", "training", "serving", "metrics", "auth", "monitoring"},
    "http": {"core", "api"},
    "cli": {"core", "http"},
    "app": {"core", "data", "ml", "storage", "registry", "training", "serving", "metrics", "auth", "api", "http",
            "cli", "monitoring"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    wrong = []
    for area in sorted(os.listdir(src)):
        if area not in ALLOWED:
            wrong.append(f"src/{area}: an area missing from scripts/check_layers.py")
            continue
        for folder, _, files in os.walk(os.path.join(src, area)):
            for name in files:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as source:
                    for line_number, line in enumerate(source, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        target = match.group(1)
                        if target != area and target not in ALLOWED[area]:
                            wrong.append(f"{os.path.relpath(path, os.path.dirname(src))}:{line_number}: "
                                         f"{area} may not include {target}/")
    for line in wrong:
        print(line)
    if wrong:
        sys.exit(1)
    print("layers: every include follows the architecture")


if __name__ == "__main__":
    main()
