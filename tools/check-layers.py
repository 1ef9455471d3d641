#!/usr/bin/env python3
"""Checks the include graph and table ownership of src/ (DESIGN.md, "One process, three layers").

Layers, lowest first: core < db < record < authz < http. A file of a layer may include its
own layer and the layers below it. Every other folder of src/ is a module: its domain headers
(*.h, except *_routes.h) may include the layers below http and other modules' domain headers,
never http/; its .c files may also include http/. Modules must not include each other in a
cycle. src/main.c, src/modules.c and src/cmd/ sit on top and may include anything.

Each table is written (INSERT, UPDATE, DELETE, REPLACE) only by the module that owns it: the
module whose migrations folder creates it, or for src/db/migrations/ the module named by the
`-- owner: <module>` comment above the CREATE TABLE.

Usage: check-layers.py SRC_DIR   (exit 1 and one line per problem when something is wrong)
"""
import os
import re
import sys

LAYERS = ["core", "db", "record", "authz", "http"]
TOP = {"cmd"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
CREATE = re.compile(r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)
OWNER = re.compile(r"--\s*owner:\s*(\w+)")
WRITE = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+(\w+)",
                   re.I)


def folder_of(path, src):
    rel = os.path.relpath(path, src)
    return rel.split(os.sep)[0] if os.sep in rel else ""


def allowed(src_folder, target, is_header):
    """Whether a file in src_folder may include a header of folder target."""
    if src_folder in ("",) or src_folder in TOP:
        return True
    if src_folder in LAYERS:
        return target in LAYERS and LAYERS.index(target) <= LAYERS.index(src_folder)
    # a module
    if target == "http":
        return not is_header
    return target in LAYERS or target not in TOP and target != ""


def table_owners(src):
    owners = {}
    for root, _, files in os.walk(src):
        if not root.endswith("migrations"):
            continue
        module = folder_of(root, src)
        for name in sorted(files):
            text = open(os.path.join(root, name), encoding="utf-8").read()
            owner = module if module != "db" else None
            for line in text.splitlines():
                m = OWNER.search(line)
                if m:
                    owner = m.group(1)
                m = CREATE.search(line)
                if m and owner:
                    owners.setdefault(m.group(1).lower(), owner)
    return owners


def main(src):
    problems = []
    deps = {}
    owners = table_owners(src)
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            here = folder_of(path, src)
            text = open(path, encoding="utf-8").read()
            is_header = name.endswith(".h") and not name.endswith("_routes.h")
            for inc in INCLUDE.findall(text):
                target = inc.split("/")[0] if "/" in inc else ""
                if target == here:
                    continue
                if not allowed(here, target, is_header):
                    problems.append(f"{path}: may not include \"{inc}\"")
                if here not in LAYERS and here not in TOP and here and \
                        target not in LAYERS and target not in TOP and target:
                    deps.setdefault(here, set()).add(target)
            if here in TOP or here == "":
                continue
            for table in WRITE.findall(text):
                owner = owners.get(table.lower())
                if owner and owner != here:
                    problems.append(f"{path}: writes table {table}, owned by {owner}")
    # cycles among modules
    state = {}

    def visit(m, stack):
        state[m] = 1
        for d in sorted(deps.get(m, ())):
            if state.get(d) == 1:
                problems.append("modules include each other: " + " -> ".join(stack + [m, d]))
            elif not state.get(d):
                visit(d, stack + [m])
        state[m] = 2

    for m in sorted(deps):
        if not state.get(m):
            visit(m, [])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
