#!/usr/bin/env python3
"""Puts the record schemas `jianguan openapi` prints between the markers of docs/openapi.yaml
(make openapi). Usage: gen-openapi.py JIANGUAN_BIN OPENAPI_YAML"""
import subprocess
import sys

BEGIN = "    # BEGIN record schemas"
END = "    # END record schemas"


def main(binary, path):
    block = subprocess.run([binary, "openapi"], capture_output=True, text=True,
                           check=True).stdout.rstrip("\n").split("\n")
    lines = open(path, encoding="utf-8").read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith(BEGIN))
    end = next(i for i, l in enumerate(lines) if l.startswith(END))
    new = lines[:start] + block + lines[end + 1:]
    if new != lines:
        open(path, "w", encoding="utf-8").write("\n".join(new))
        print(f"{path}: record schemas updated")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
