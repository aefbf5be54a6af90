"""Run a reader of untrusted files in a child process, so that a reader which crashes, runs out
of memory or hangs cannot take the web worker down with it.

The child is started fresh ("spawn": no copy of the web worker's threads or connections), its
address space is capped, and it is killed when it overruns its time. Only plain Python values
cross back (the reader's result, or the exception it raised).
"""

import multiprocessing
import resource


class IsolatedRunFailed(Exception):
    """The child process died, ran out of time, or could not report back."""


def _run_in_child(connection, function, args, memory_bytes):
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        connection.send((True, function(*args)))
    except BaseException as error:  # noqa: BLE001 — everything the reader raises goes back to the parent
        connection.send((False, error))
    finally:
        connection.close()


def run_isolated(function, *args, memory_bytes, timeout):
    """``function(*args)`` in a child process; returns its result or raises what it raised."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_in_child, args=(sender, function, args, memory_bytes), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise IsolatedRunFailed(f"gave no answer within {timeout} seconds")
        succeeded, value = receiver.recv()
    except EOFError as error:
        child.join(5)
        raise IsolatedRunFailed(f"stopped without an answer (exit code {child.exitcode})") from error
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if succeeded:
        return value
    raise value
