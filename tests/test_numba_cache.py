"""The numba cache of the kernels can never be stale (issue 15, items 4 and 5).

Every run is a subprocess with its own ``NUMBA_CACHE_DIR`` and ``HOME`` under ``tmp_path``, so
the developer's cache is never touched. Small throwaway packages (``pk``) use a verbatim copy of
``tdasheaf/_numba_cache.py`` to show the mechanism on kernels that compile in a second; beside
them, the same packages *without* it (plain numba caching) show that each test really recreates
the failure it guards against.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MECHANISM = ROOT / "tdasheaf" / "_numba_cache.py"
NOTICE = "tdasheaf: compiling numba kernels once"


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(NUMBA_CACHE_DIR=str(tmp / "numba-cache"), HOME=str(tmp / "home"))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # edits within one second must not meet a stale .pyc
    env.update(extra)
    return env


def _start(code: str, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(code: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = _start(code, env, cwd)
    out, err = proc.communicate(timeout=240)
    return proc.returncode, out, err


def _package(where: Path, files: dict[str, str], keyed: bool) -> Path:
    """Package ``pk`` under ``where`` with ``files``; ``keyed``: it imports the mechanism first."""
    pkg = where / "pk"
    pkg.mkdir(parents=True)
    if keyed:
        (pkg / "_numba_cache.py").write_text(MECHANISM.read_text())
        (pkg / "__init__.py").write_text("from pk import _numba_cache  # noqa: F401\n")
    else:
        (pkg / "__init__.py").write_text("")
    for name, src in files.items():
        (pkg / name).write_text(textwrap.dedent(src))
    return where


CALLEE = """
    import numba

    @numba.njit(cache=True)
    def g(x):
        return x + {inc}
"""
CALLER = """
    import numba
    from pk.callee import g

    @numba.njit(cache=True)
    def f(x):
        return 10 * g(x)
"""
CALL_F = """
    import json
    from pk.caller import f
    print(json.dumps([f(1), sum(f.stats.cache_hits.values()), sum(f.stats.cache_misses.values())]))
"""


def test_an_edited_callee_in_another_module_is_never_run_through_a_stale_caller(tmp_path):
    for keyed in (False, True):
        where = _package(
            tmp_path / str(keyed), {"callee.py": CALLEE.format(inc=1), "caller.py": CALLER}, keyed
        )
        env = _env(tmp_path)
        results = []
        for inc in (1, 2, 1):  # edit the callee, then undo the edit
            (where / "pk" / "callee.py").write_text(textwrap.dedent(CALLEE.format(inc=inc)))
            code, out, err = _run(CALL_F, env, where)
            assert code == 0, err
            results.append(json.loads(out))
        values = [r[0] for r in results]
        if not keyed:
            # plain numba: the caller's own file did not change, so its entry (holding a copy
            # of the old callee) is loaded after the edit: the failure this module prevents
            assert values == [20, 20, 20]
        else:
            assert values == [20, 30, 20]
            # the undone edit selects the first key again: loaded, not compiled
            assert results[2][1:] == [1, 0]


SORTER = """
    import numba
    import numpy as np

    @numba.njit(cache=True)
    def s(x):
        return np.sort(x)
"""
ARGSORTER = """
    import numba
    import numpy as np

    @numba.njit(cache=True)
    def a(x):
        return np.argsort(x)
"""
# compile one of the two kernels ("both": one then the other, uncached, from uids 1000 and 2000),
# starting numba's uid counter at START when it is given (what a plain numba process does, at the
# offset that makes both processes name their quicksort helper alike); print the helper's uids
COMPILE = """
    import itertools, re, sys
    import numba
    import numpy as np
    from numba.core import bytecode
    which, start = sys.argv[1], sys.argv[2]
    if start != "-":
        bytecode.FunctionIdentity._unique_ids = itertools.count(int(start))
    import pk
    from pk.argsorter import a
    from pk.sorter import s
    kernels = {"s": [s], "a": [a], "both": [numba.njit(s.py_func), numba.njit(a.py_func)]}
    for i, f in enumerate(kernels[which]):
        if which == "both":
            bytecode.FunctionIdentity._unique_ids = itertools.count(1000 * (i + 1))
        f(np.array([3, 1, 2]))
        ir = next(iter(f.overloads.values())).library.get_llvm_str()
        print(re.findall(r"run_quicksort1B\\d+v(\\d+)", ir)[0])
"""
LOAD_BOTH = """
    import json
    import numpy as np
    from pk.sorter import s
    from pk.argsorter import a
    x = np.array([3, 1, 2])
    print(json.dumps([s(x).tolist(), a(x).tolist()]))
"""


def _compile(which: str, start: str, env, where) -> list[int]:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(COMPILE), which, start],
        env=env,
        cwd=where,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    return [int(u) for u in proc.stdout.split()]


def test_entries_compiled_by_different_processes_never_share_a_symbol(tmp_path):
    """The observed crash: one process cached ``np.sort``, another ``np.argsort``, and both
    named their quicksort helper ``run_quicksort1[abi:v<uid>](int64[:])``; a third process that
    loads both runs one kernel with the other's helper."""
    files = {"sorter.py": SORTER, "argsorter.py": ARGSORTER}
    # plain numba: find the offsets at which the two helpers get the same uid, then cache each
    # kernel in its own process so that they do
    plain = _package(tmp_path / "plain", files, keyed=False)
    env = _env(tmp_path / "plain")
    u_s, u_a = _compile("both", "-", env, plain)  # fresh dispatchers: nothing cached
    shift = (u_s - 1000) - (u_a - 2000)
    assert _compile("s", "1000", env, plain) == _compile("a", str(1000 + shift), env, plain)
    code, out, err = _run(LOAD_BOTH, env, plain)
    assert code != 0 or json.loads(out) != [[1, 2, 3], [1, 2, 0]]  # crash or a wrong answer
    # the same sequence with the mechanism: every process draws its own uids
    keyed = _package(tmp_path / "keyed", files, keyed=True)
    env = _env(tmp_path / "keyed")
    assert _compile("s", "-", env, keyed) != _compile("a", "-", env, keyed)
    code, out, err = _run(LOAD_BOTH, env, keyed)
    assert code == 0, err
    assert json.loads(out) == [[1, 2, 3], [1, 2, 0]]


FLAG = """
    import json, sys
    import numpy as np
    from tdasheaf.cohomology import _flag, _flag2, flag_persistence
    # the octahedron: 6 vertices, every pair but the 3 antipodal ones; its flag complex is a
    # 2-sphere, so degrees 0, 1 and 2 all have work (degree 2 calls the degree-1 helpers)
    edges = np.array([(i, j) for i in range(6) for j in range(i + 1, 6) if j - i != 3])
    values = np.arange(len(edges), dtype=np.float64) / len(edges)
    degrees = tuple(range(int(sys.argv[1]) + 1))
    out = flag_persistence(6, edges, values, degrees=degrees, field=3)
    stats = [f.stats for f in (_flag.flag_degree1_pairs, _flag2.flag_degree2_pairs)]
    print(json.dumps({
        "bars": {k: np.asarray(v).tolist() for k, v in sorted(out.items())},
        "hits": [sum(s.cache_hits.values()) for s in stats],
        "misses": [sum(s.cache_misses.values()) for s in stats],
    }))
"""
H0 = [[0.0, 1 / 12], [0.0, 2 / 12], [0.0, 3 / 12], [0.0, 5 / 12], [0.0, float("inf")]]


def _snapshot(tmp: Path) -> Path:
    """A copy of the package, so that the key stays put while the test runs (an edit of the
    working tree mid-test would rightly select a new, cold directory)."""
    src = tmp / "src"
    shutil.copytree(
        ROOT / "tdasheaf", src / "tdasheaf", ignore=shutil.ignore_patterns("__pycache__")
    )
    return src


def _flag(top: int, env, proc=False):
    args = [sys.executable, "-c", textwrap.dedent(FLAG), str(top)]
    cwd = env["PYTHONPATH"]
    kw = dict(env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.Popen(args, **kw) if proc else subprocess.run(args, timeout=240, **kw)


def test_concurrent_first_use_and_another_thread_count_never_load_mismatched_code(tmp_path):
    """The observed sequence, safe now: the degree-1 kernels compiled by two processes at once,
    the degree-2 kernels (callers of theirs) by a later run with ``NUMBA_NUM_THREADS=1``, then a
    run with the default thread count that loads both."""
    env = _env(tmp_path, PYTHONPATH=str(_snapshot(tmp_path)))
    procs = [_flag(1, env, proc=True) for _ in range(2)]  # started together on a cold cache
    cold = [p.communicate(timeout=240) + (p.returncode,) for p in procs]
    for out, err, code in cold:
        assert code == 0, err
        assert json.loads(out)["bars"] == {"0": H0, "1": []}
        # once per process (one whose first look came after the other's first save is quiet)
        assert err.count(NOTICE) <= 1, err
    assert any(NOTICE in err for _, err, _ in cold)
    run = _flag(2, dict(env, NUMBA_NUM_THREADS="1"))
    assert run.returncode == 0, run.stderr
    one_thread = json.loads(run.stdout)
    assert one_thread["bars"] == {"0": H0, "1": [], "2": [[11 / 12, float("inf")]]}
    assert (one_thread["hits"], one_thread["misses"]) == ([1, 0], [0, 1])
    assert NOTICE not in run.stderr  # the key directory was warm
    run = _flag(2, env)
    assert run.returncode == 0, run.stderr
    warm = json.loads(run.stdout)
    assert warm["bars"] == one_thread["bars"]
    assert (warm["hits"], warm["misses"]) == ([1, 1], [0, 0])  # loaded, nothing compiled
    assert NOTICE not in run.stderr
    # the cache lives under NUMBA_CACHE_DIR, one directory per key, never in the tree
    (key_dir,) = (tmp_path / "numba-cache" / "tdasheaf").iterdir()
    assert re.fullmatch(r"[0-9a-f]{16}", key_dir.name)
    assert any(key_dir.rglob("_flag2.flag_degree2_pairs-*.nbi"))


def test_without_numba_cache_dir_the_user_cache_is_used_and_nothing_writable_is_no_error(
    tmp_path,
):
    where = _package(tmp_path, {"callee.py": CALLEE.format(inc=1), "caller.py": CALLER}, True)
    env = _env(tmp_path)
    del env["NUMBA_CACHE_DIR"]
    code, out, err = _run(CALL_F, env, where)
    assert code == 0, err
    assert json.loads(out) == [20, 0, 1]
    assert err.count(NOTICE) == 1, err  # cold: once, although two kernels compile
    code, out, err = _run(CALL_F, env, where)
    assert code == 0, err
    assert json.loads(out) == [20, 1, 0]
    assert NOTICE not in err  # warm: silent
    assert any((tmp_path / "home" / ".cache" / "pk" / "numba").rglob("caller.f-*.nbi"))
    assert not any((where / "pk").rglob("*.nbi"))  # never the package directory
    # nothing writable (cache dir, home and temporary directory all under a file): runs uncached
    blocked = str(tmp_path / "a-file" / "x")
    (tmp_path / "a-file").write_text("")
    env = _env(tmp_path, NUMBA_CACHE_DIR=blocked, HOME=blocked)
    code, out, err = _run(
        f"import tempfile\ntempfile.tempdir = {blocked!r}\n" + textwrap.dedent(CALL_F), env, where
    )
    assert code == 0, err
    assert json.loads(out) == [20, 0, 1]
    assert err.count(NOTICE) == 1


def test_forked_children_draw_their_own_uids(tmp_path):
    """Siblings forked after the import would otherwise continue one counter in lockstep."""
    where = _package(tmp_path, {}, keyed=True)
    code, out, err = _run(
        """
        import os
        import pk
        from numba.core import bytecode
        pipe_r, pipe_w = os.pipe()
        for _ in range(2):
            if os.fork() == 0:
                os.write(pipe_w, b"%d\\n" % next(bytecode.FunctionIdentity._unique_ids))
                os._exit(0)
        os.wait(), os.wait()
        print(" ".join(os.read(pipe_r, 100).decode().split()))
        """,
        _env(tmp_path),
        where,
    )
    assert code == 0, err
    first, second = out.split()
    assert first != second
