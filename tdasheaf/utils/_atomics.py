"""Atomic loads, stores and fetch-add on array elements, for kernels shared between threads.

numba compiles array reads and writes as plain loads and stores, which the optimiser may reorder
or keep in registers; two threads that hand data to each other through arrays need the C++11
memory model's acquire/release orderings instead. These intrinsics emit LLVM's atomic
instructions on one element of a 1-d contiguous ``int64`` or ``float64`` array:

* :func:`load_acquire` — an acquire load: reads and writes after it are not moved before it, and
  it sees everything the thread that did the matching :func:`store_release` wrote before that
  store;
* :func:`store_release` — a release store (the publishing side);
* :func:`fetch_add` — a sequentially consistent read-modify-write add, returning the old value;
* :func:`compare_exchange` — an acquire-release compare-and-swap, returning whether it swapped.

On x86-64 the acquire load and release store compile to plain ``mov`` instructions: their cost
is only the reordering they forbid to the compiler. Used by the two-thread flag engine
(:mod:`tdasheaf.cohomology._flag_threads`); call them only from ``@numba.njit`` code.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["compare_exchange", "fetch_add", "load_acquire", "store_release"]


def _element_pointer(context, builder, array_type, array, index):
    ary = context.make_array(array_type)(context, builder, array)
    return cgutils.get_item_pointer(context, builder, array_type, ary, [index])


def _as_int64(context, builder, sig, args, i):
    return context.cast(builder, args[i], sig.args[i], types.int64)


def _check(array_type, index_type, integer_only: str = "") -> None:
    """Refuse at typing time what the intrinsics cannot do (``integer_only``: the op's name)."""
    if not isinstance(array_type, types.Array) or array_type.ndim != 1:
        raise TypeError("atomic operations take a 1-d array")
    if array_type.dtype not in (types.int64, types.float64):
        raise TypeError("atomic operations take an int64 or float64 array")
    if integer_only and array_type.dtype != types.int64:
        raise TypeError(f"{integer_only} takes an int64 array")
    if not isinstance(index_type, types.Integer):
        raise TypeError("the index of an atomic operation is an integer")


@intrinsic
def load_acquire(typingctx, array, index):
    """``array[index]`` read with acquire ordering."""
    _check(array, index)

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.load_atomic(ptr, "acquire", 8)

    return array.dtype(array, index), codegen


@intrinsic
def store_release(typingctx, array, index, value):
    """``array[index] = value`` written with release ordering."""
    _check(array, index)

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        val = context.cast(builder, args[2], sig.args[2], sig.args[0].dtype)
        builder.store_atomic(val, ptr, "release", 8)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@intrinsic
def fetch_add(typingctx, array, index, value):
    """Add ``value`` to ``array[index]`` atomically (sequentially consistent); the old value."""
    _check(array, index, "fetch_add")

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.atomic_rmw("add", ptr, _as_int64(context, builder, sig, args, 2), "seq_cst")

    return types.int64(array, index, value), codegen


@intrinsic
def compare_exchange(typingctx, array, index, expected, value):
    """Set ``array[index] = value`` if it equals ``expected``, atomically (acquire-release);
    whether it did."""
    _check(array, index, "compare_exchange")

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0], args[1])
        cmp = _as_int64(context, builder, sig, args, 2)
        val = _as_int64(context, builder, sig, args, 3)
        pair = builder.cmpxchg(ptr, cmp, val, "acq_rel", "acquire")
        return builder.extract_value(pair, 1)

    return types.boolean(array, index, expected, value), codegen
