"""Where numba's on-disk cache of the tdasheaf kernels lives, and why it can never be stale.

Imported first by the subpackages that define kernels (``tdasheaf/cohomology/__init__.py``,
``tdasheaf/geometry/__init__.py``; ``tdasheaf.complexes`` imports ``tdasheaf.geometry`` before
its kernels), before any kernel module is decorated, so that every ``@numba.njit(cache=True)`` of
the package goes through :class:`_KeyedLocator`. ``import tdasheaf`` itself is lazy and does not
import numba (``tests/test_import_time.py`` checks, for each kernel module imported first in a
fresh process, that every cached kernel uses the keyed locator).

What went wrong (issue 15, reproduced at commit c8beb27 with numba 0.68.1)
--------------------------------------------------------------------------
numba caches one object file per kernel. A caller's object file also holds *copies* of every
jitted function it calls (kernels of other modules, numba's own helpers such as the quicksort
closures behind ``np.sort``/``np.argsort``) as weak (``linkonce_odr``) symbols whose mangled name
is ``qualname + [abi:v<uid>] + argument types``, where ``uid`` is a per-process counter. Two
object files written by *different processes* can therefore define one symbol name with two
different bodies; the JIT linker keeps the first definition it loaded and every later caller
jumps into it. In the reproduction, ``_flag2._sort_ties`` (cached by one run) and
``_flag._store_v`` (re-cached by a later run) both define ``run_quicksort1[abi:v98](int64[:])``,
once as ``np.sort`` and once as ``np.argsort``: ``flag_degree1_pairs`` then runs ``np.sort``'s
code where it expects ``np.argsort``'s → segfault, or a hang with memory climbing.
``NUMBA_NUM_THREADS`` itself is not in numba's cache key and changes no compiled code (checked:
a run with ``NUMBA_NUM_THREADS=1`` on a warm cache compiles nothing, the ``parallel=True`` kernels
read the thread count at run time); what matters is only that the cache held entries compiled
by different processes, which any sequence of runs produces (a degree-1 run then a degree-2 run,
two joblib workers compiling on first use, a module edited between runs). Separately, numba keys
a kernel's entry on its *own* file only: a caller whose file did not change keeps its cached
machine code after a callee in another module was edited or upgraded, and runs the old callee.

The three measures taken here
-----------------------------
1. **uids unique across processes.** numba's counter ``FunctionIdentity._unique_ids`` is
   restarted at a random 62-bit offset in each process and in each forked child (still a
   counter, so unique within the process), so two compilations in different processes never
   produce the same mangled name and a weak symbol can only ever be merged with a copy of itself
   (same compilation). This fixes the observed crash whatever the sequence of runs, and also
   protects other numba users in the process. It does not touch cache keys, so cached entries
   still hit.
2. **A cache directory keyed by everything that shapes the machine code** that numba's own key
   (signature, CPU name and features, the kernel's bytecode) misses: the version string, the
   SHA-256 of every module with jitted code *and of every package module those import,
   transitively* (a kernel's machine code depends on its own module, on the jitted functions it
   calls and on the globals it freezes, all reached through those imports; estimators,
   representations and the like are left out, so editing them costs no recompile), numba,
   llvmlite, NumPy and Python versions, and the numba settings that change code generation
   (``NUMBA_OPT``, bounds checking, fastmath, debug info, SVML, CPU name/features, ...). So an
   edited or upgraded module selects a fresh directory and no caller is ever loaded against
   callees other than those it was compiled with. Thread count and threading layer are left out
   on purpose (see above): keying on them would recompile for every worker that pins
   ``NUMBA_NUM_THREADS=1``. Chosen over "no cache for kernels that call other modules' kernels"
   (the flag engines would compile, ~20 s, in every process) and "one module per call graph"
   (every engine shares the ``_reduction`` helpers, and it would not fix measure 1's problem).
3. **Saves serialised per directory.** numba writes the index, then the data file, without a
   lock; two processes compiling *different signatures* of one kernel at once can leave an
   index entry naming the other signature's data. Saves into our directories run under an
   ``flock`` on ``<key dir>/.lock``, so an index entry, once written, always names its own data.
   A failing save (read-only or full disk) is skipped: numba then just does not cache.

Where: ``$NUMBA_CACHE_DIR/tdasheaf/<key>`` if ``NUMBA_CACHE_DIR`` is set, else
``$XDG_CACHE_HOME/tdasheaf/numba/<key>`` (``~/.cache/...``), else a directory under the system
temporary directory; never the package directory (read-only when installed). If none is writable
the kernels run uncached. Directories of other keys are left in place (each is a few MB; delete
``~/.cache/tdasheaf`` to reclaim them).

On a cold cache the first compile prints one line on stderr (once per process).

Everything here uses numba internals (``CacheImpl._locator_classes``, ``_CacheLocator``,
``FunctionIdentity._unique_ids``, ``IndexDataCacheFile.load/save``), written against numba 0.68.
A numba that renamed them makes this import fail loudly rather than cache unsafely, and
``tests/test_numba_cache.py`` checks the behaviour itself. (``NUMBA_CACHE_LOCATOR_CLASSES``, if
set, replaces numba's locator list and with it this one: don't set it.)
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import secrets
import sys
import tempfile

import numba
from numba.core import bytecode, caching, config

__all__ = ["cache_dir", "install", "key"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = __package__ or "tdasheaf"  # the same file copied into a test package serves it
# root directory of a registered package -> its key directory (or None: nothing writable)
_ROOTS: dict[str, str | None] = {}
_NOTICE = {"done": False}
# cache path of our kernels when no directory is writable: can never be created or read
_UNCACHED = os.path.join(os.devnull, "tdasheaf-uncached")


_JIT = re.compile(rb"\b(njit|jit|vectorize|guvectorize|cfunc|stencil|generated_jit|overload\w*)\b")
# "from X import a, b" / "from X import (a,\n b)" / "import X.y as z, W"
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]*(\([^)]*\)|[^\n#]+)|import[ \t]+([^\n#]+))",
    re.M,
)


def _module_file(root: str, name: str, dotted: str) -> str | None:
    """File of module ``dotted`` (``name`` or ``name.x.y``) under ``root``, if it is one."""
    if dotted != name and not dotted.startswith(name + "."):
        return None
    rel = dotted.split(".")[1:]
    for path in (os.path.join(root, *rel) + ".py", os.path.join(root, *rel, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _kernel_files(root: str, name: str) -> list[str]:
    """Every module with jitted code, and every package module they import, transitively.

    A compiled kernel depends on its own module, on the jitted functions it calls and on the
    globals it reads (frozen as constants), all of which are reached by the imports of a module
    that defines jitted code; the other modules (estimators, representations, ...) cannot
    change a kernel's machine code, and leaving them out spares a recompile after editing them.
    """
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        for f in filenames:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                with open(path, "rb") as fh:
                    files[path] = fh.read()
    todo = [p for p, src in files.items() if b"numba" in src and _JIT.search(src)]
    todo.append(os.path.abspath(__file__))
    seen = set()
    while todo:
        path = todo.pop()
        if path in seen or path not in files:
            continue
        seen.add(path)
        pkg = os.path.relpath(os.path.dirname(path), root)
        here = name if pkg == "." else name + "." + pkg.replace(os.sep, ".")
        for m in _IMPORT.finditer(files[path]):
            base, names, plain = (g.decode() if g else None for g in m.groups())
            if plain:
                targets = [n.split()[0] for n in plain.split(",") if n.strip()]
            else:
                if base.startswith("."):
                    up = len(base) - len(base.lstrip("."))
                    parts = here.split(".")[: len(here.split(".")) - up + 1]
                    base = ".".join(parts + ([base.lstrip(".")] if base.lstrip(".") else []))
                listed = [n.split()[0] for n in names.strip("() \t").split(",") if n.strip()]
                targets = [base] + [base + "." + n for n in listed]
            for t in targets:
                f = _module_file(root, name, t)
                if f is not None and f not in seen:
                    todo.append(f)
    return sorted(seen)


def _source_hash(root: str, name: str) -> str:
    """SHA-256 over the relative path and bytes of every file of :func:`_kernel_files`."""
    h = hashlib.sha256()
    for path in _kernel_files(root, name):
        h.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def _toolchain() -> str:
    """Versions and numba settings that change compiled code but not numba's own cache key."""
    import llvmlite
    import numpy

    settings = (
        "OPT",
        "BOUNDSCHECK",
        "FASTMATH",
        "DEBUGINFO_DEFAULT",
        "CPU_NAME",
        "CPU_FEATURES",
        "USING_SVML",
        "DISABLE_INTEL_SVML",
        "LOOP_VECTORIZE",
        "SLP_VECTORIZE",
        "ENABLE_AVX",
        "LLVM_REFPRUNE_PASS",
        "DISABLE_JIT",
        "FULL_TRACEBACKS",
        "DEBUG_ARRAY_OPT",
    )
    parts = [
        numba.__version__,
        llvmlite.__version__,
        numpy.__version__,
        sys.version,
        sys.implementation.cache_tag or "",
        getattr(sys, "abiflags", ""),
        sys.platform,
    ]
    parts += [f"{s}={getattr(config, s, None)!r}" for s in settings]
    return "\n".join(parts)


def _version(root: str) -> bytes:
    """The ``__version__ = ...`` line of the package's ``__init__.py`` (b"" if none)."""
    try:
        with open(os.path.join(root, "__init__.py"), "rb") as f:
            m = re.search(rb"^__version__\s*=.*$", f.read(), re.M)
    except OSError:
        return b""
    return m.group(0) if m else b""


def key(root: str = _PACKAGE_DIR, name: str = _PACKAGE) -> str:
    """The cache key of the package ``name`` at ``root``: 16 hex digits."""
    h = hashlib.sha256(_version(root) + b"\n" + _source_hash(root, name).encode())
    h.update(b"\n" + _toolchain().encode())
    return h.hexdigest()[:16]


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
        return True
    except OSError:
        return False


def _choose_dir(name: str, k: str) -> str | None:
    candidates = []
    if os.environ.get("NUMBA_CACHE_DIR"):
        candidates.append(os.path.join(os.environ["NUMBA_CACHE_DIR"], name, k))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append(os.path.join(xdg, name, "numba", k))
    uid = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(os.path.join(tempfile.gettempdir(), f"{name}-numba-{uid}", k))
    for path in candidates:
        if _writable(path):
            return path
    return None


def _root_of(py_file: str) -> str | None:
    path = os.path.abspath(py_file)
    for root in _ROOTS:
        if path.startswith(root + os.sep):
            return root
    return None


class _KeyedLocator(caching._CacheLocator):
    """Locator for functions of a registered package: ``<key dir>/<subpackage>/``."""

    def __init__(self, py_func, py_file, root, base):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        sub = os.path.relpath(os.path.dirname(os.path.abspath(py_file)), root)
        self._cache_path = base if sub == "." else os.path.join(base, sub.replace(os.sep, "."))

    def get_cache_path(self):
        return self._cache_path

    def ensure_cache_path(self):
        # numba calls this before each save: unwritable means "do not cache", never an error
        with contextlib.suppress(OSError):
            super().ensure_cache_path()

    def get_source_stamp(self):
        # the key directory already pins the source; the file's own hash too, as numba >= 0.61
        # does (0.60 used mtime and size)
        with open(self._py_file, "rb") as f:
            return hashlib.sha256(f.read()).digest()

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        root = _root_of(py_file)
        if root is None:
            return None  # not ours: numba's usual locators
        base = _ROOTS[root]
        self = cls(py_func, py_file, root, _UNCACHED if base is None else base)
        # never fall through to numba's in-tree locator for our kernels: if the directory
        # cannot be made, saves are skipped by _save (numba just does not cache)
        self.ensure_cache_path()
        return self


def _base_of(cache_path: str) -> str | None:
    for base in _ROOTS.values():
        if base is not None and (cache_path == base or cache_path.startswith(base + os.sep)):
            return base
    return None


def _ours(cache_file) -> bool:
    path = getattr(cache_file, "_cache_path", "")
    return path.startswith(_UNCACHED) or _base_of(path) is not None


_orig_save = caching.IndexDataCacheFile.save
_orig_load = caching.IndexDataCacheFile.load


def _save(self, key, data):
    if not _ours(self):
        return _orig_save(self, key, data)
    base = _base_of(self._cache_path)
    try:
        if base is None:
            raise OSError("no writable cache directory")
        with open(os.path.join(base, ".lock"), "a") as lock:
            try:
                import fcntl

                fcntl.flock(lock, fcntl.LOCK_EX)
            except ImportError:  # pragma: no cover - not POSIX: numba's own (unlocked) save
                pass
            _orig_save(self, key, data)
    except OSError:
        pass  # read-only or full: run uncached


def _has_entries(base: str) -> bool:
    for _dirpath, _dirnames, filenames in os.walk(base):
        if any(f.endswith(".nbi") for f in filenames):
            return True
    return False


def _load(self, key):
    if not _ours(self):
        return _orig_load(self, key)
    try:
        data = _orig_load(self, key)
    except OSError:  # unreadable directory: compile
        data = None
    if data is None and not _NOTICE["done"]:
        _NOTICE["done"] = True
        base = _base_of(self._cache_path)
        if base is None or not _has_entries(base):
            where = base if base is not None else "nowhere (no writable cache directory)"
            print(
                "tdasheaf: compiling numba kernels once (up to a minute); later runs load them "
                f"from {where}",
                file=sys.stderr,
                flush=True,
            )
    return data


def _reseed_uids() -> None:
    bytecode.FunctionIdentity._unique_ids = itertools.count(secrets.randbits(62) + (1 << 62))


def install(root: str = _PACKAGE_DIR, name: str = _PACKAGE) -> str | None:
    """Route the numba cache of every kernel under ``root`` to its key directory.

    Must run before the kernel modules are imported. Returns the directory (None: nothing
    writable, kernels then run uncached). Idempotent.
    """
    root = os.path.abspath(root)
    if root in _ROOTS:
        return _ROOTS[root]
    # 1. uids unique across processes (once per process, before anything of ours compiles;
    # again in every forked child, which would otherwise continue its parent's counter exactly
    # as its siblings do)
    if not getattr(bytecode.FunctionIdentity, "_tdasheaf_random_uids", False):
        _reseed_uids()
        bytecode.FunctionIdentity._tdasheaf_random_uids = True
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_reseed_uids)
    # 2. the keyed directory
    _ROOTS[root] = _choose_dir(name, key(root, name))
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    if _KeyedLocator not in impl._locator_classes:
        impl._locator_classes.insert(0, _KeyedLocator)
    # 3. serialised saves, and the first-compile notice
    caching.IndexDataCacheFile.save = _save
    caching.IndexDataCacheFile.load = _load
    return _ROOTS[root]


def cache_dir(root: str = _PACKAGE_DIR) -> str | None:
    """The directory the kernels of the package at ``root`` are cached in (None: uncached)."""
    return _ROOTS.get(os.path.abspath(root))


install()
