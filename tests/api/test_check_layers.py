"""tools/check-layers.py: the tree as it stands passes, and each kind of violation is caught
(a domain header including http/, a lower layer including a higher one, two modules
including each other, a module writing another module's table)."""
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "check-layers.py"


def run(src):
    return subprocess.run(["/usr/bin/python3", str(TOOL), str(src)], capture_output=True,
                          text=True, timeout=60)


def test_tree_passes():
    r = run(ROOT / "src")
    assert r.returncode == 0, r.stdout
    assert r.stdout == ""


def mutated(tmp_path, path, line):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src)
    with open(src / path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    return run(src)


def test_domain_header_may_not_include_http(tmp_path):
    r = mutated(tmp_path, "registry/registry.h", '#include "http/http.h"')
    assert r.returncode == 1
    assert 'registry/registry.h: may not include "http/http.h"' in r.stdout


def test_routes_file_may_include_http(tmp_path):
    r = mutated(tmp_path, "refdata/refdata_routes.c", '#include "http/list.h"')
    assert r.returncode == 0, r.stdout


def test_lower_layer_may_not_include_higher(tmp_path):
    r = mutated(tmp_path, "core/strbuf.c", '#include "db/db.h"')
    assert r.returncode == 1
    assert 'core/strbuf.c: may not include "db/db.h"' in r.stdout
    r = mutated(tmp_path / "b", "record/record.c", '#include "registry/registry.h"')
    assert r.returncode == 1


def test_module_cycle(tmp_path):
    r = mutated(tmp_path, "accounts/accounts.c", '#include "registry/registry.h"')
    assert r.returncode == 1
    assert "modules include each other" in r.stdout
    assert "accounts" in r.stdout and "registry" in r.stdout


def test_foreign_table_write(tmp_path):
    r = mutated(tmp_path, "registry/registry.c",
                'static const char evil[] = "DELETE FROM sessions WHERE 1";')
    assert r.returncode == 1
    assert "writes table sessions, owned by authz" in r.stdout
    r = mutated(tmp_path / "b", "accounts/accounts.c",
                'static const char evil[] = "UPDATE entities SET name = 1";')
    assert "writes table entities, owned by registry" in r.stdout
