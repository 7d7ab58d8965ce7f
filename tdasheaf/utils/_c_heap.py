"""Buffers on the C heap for compiled kernels: allocate, grow in place, free.

A working buffer that grows by allocating a larger array and copying holds both copies while it
copies: ``old + new``, about 2.5× its live content for a growth by 1.5×. C's ``realloc`` grows a
large block without that: glibc allocates blocks of more than 32 MiB with ``mmap`` and grows them
with ``mremap``, which moves page tables, not data — the peak is the new size only, and of that
only the pages written to are resident. The flag engines' working-column pools
(:mod:`tdasheaf.cohomology._runs`) are such buffers: on two threads two of them grow at once.

Intrinsics, callable only from ``@numba.njit`` code (they call ``realloc`` and ``free`` by symbol,
so the kernels that use them stay cacheable):

* :func:`heap_realloc` — ``realloc(address, nbytes)``: the new address, 0 when it failed (the old
  block is then untouched); address 0 allocates;
* :func:`heap_free` — ``free(address)``;
* :func:`int64_view` — the ``int64`` array of ``n`` elements at an address (no owner: whoever
  allocated the block frees it, after the last use of the view).
"""

from __future__ import annotations

# first: routes the numba cache of the kernels below (tdasheaf/_numba_cache.py)
import tdasheaf._numba_cache  # noqa: F401  # isort: skip
import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["heap_free", "heap_realloc", "int64_array", "int64_view"]

_BYTE_POINTER = ir.IntType(8).as_pointer()


def _check_integers(*arg_types) -> None:
    for t in arg_types:
        if not isinstance(t, types.Integer):
            raise TypeError("heap buffers take integer addresses and sizes")


@intrinsic
def heap_realloc(typingctx, address, nbytes):
    """``realloc((void *) address, nbytes)`` as an int64 address (0: failed, old block kept)."""
    _check_integers(address, nbytes)

    def codegen(context, builder, sig, args):
        fnty = ir.FunctionType(_BYTE_POINTER, [_BYTE_POINTER, ir.IntType(64)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "realloc")
        old = context.cast(builder, args[0], sig.args[0], types.int64)
        size = context.cast(builder, args[1], sig.args[1], types.int64)
        new = builder.call(fn, [builder.inttoptr(old, _BYTE_POINTER), size])
        return builder.ptrtoint(new, ir.IntType(64))

    return types.int64(address, nbytes), codegen


@intrinsic
def heap_free(typingctx, address):
    """``free((void *) address)``; 0 is a no-op."""
    _check_integers(address)

    def codegen(context, builder, sig, args):
        fnty = ir.FunctionType(ir.VoidType(), [_BYTE_POINTER])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "free")
        old = context.cast(builder, args[0], sig.args[0], types.int64)
        builder.call(fn, [builder.inttoptr(old, _BYTE_POINTER)])
        return context.get_dummy_value()

    return types.void(address), codegen


@intrinsic
def _int64_pointer(typingctx, address):
    _check_integers(address)

    def codegen(context, builder, sig, args):
        addr = context.cast(builder, args[0], sig.args[0], types.int64)
        return builder.inttoptr(addr, ir.IntType(64).as_pointer())

    return types.CPointer(types.int64)(address), codegen


@numba.njit(cache=True, nogil=True)
def int64_view(address, n):
    """The ``n`` int64 values at ``address`` as an array that does not own them."""
    return numba.carray(_int64_pointer(address), n)


@numba.njit(cache=True, nogil=True)
def int64_array(n):
    """A C-heap array of ``n`` int64 values (free it with ``heap_free(a.ctypes.data)``); raises
    ``MemoryError`` when the allocation fails."""
    address = heap_realloc(0, 8 * max(n, 1))
    if address == 0:
        raise MemoryError("the C heap refused a working buffer")
    return int64_view(address, n)
