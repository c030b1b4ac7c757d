"""A job executor that runs every call of the worker on one event loop.

livekit-agents' thread executor gives each call a thread and an event loop of its own.
Every frame livekit.rtc delivers is a hand-off from one of its two native threads to
the call's loop, and the call's thread then has to win the GIL against every other
call's thread to take it: the more calls, the longer a frame waits, and the later the
agent hears the end of a turn. Here the calls are tasks on one loop, in one thread, so
frames that arrive together for several calls are taken in one wake-up.

Each call still talks to the worker over the same IPC channel as a job thread does, so
start, shutdown, health pings and inference requests are livekit-agents' own. What
changes is what a job shares with its neighbours:

- a call that blocks the loop (synchronous I/O, a long computation) stalls every call,
  where in a thread it would stall only itself once it released the GIL; Parley's own
  slow work (models, Redis, HTTP) already runs off the loop;
- a call that crashes ends only itself, as with threads; tasks it left behind are
  cancelled when it ends, as its own loop's closing would have.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import socket
import threading
from collections.abc import Coroutine, Generator
from typing import Any

import uvloop
from livekit.agents.ipc import job_proc_lazy_main, job_thread_executor
from livekit.agents.ipc.proc_client import _ProcClient
from livekit.agents.job import JobExecutorType
from livekit.agents.telemetry import loop_monitor
from livekit.agents.utils.aio import duplex_unix

logger = logging.getLogger("parley.agent.shared_loop")

# The pending tasks of the call that made them: a call's leftovers are cancelled when it
# ends, as the closing of a loop of its own would have.
_call_tasks: contextvars.ContextVar[set[asyncio.Task[Any]]] = contextvars.ContextVar(
    "parley_call_tasks"
)


def _tag_call_tasks(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
    context: contextvars.Context | None = None,
) -> asyncio.Task[Any]:
    """The loop's task factory: an ordinary task, remembered by the call it runs for."""
    task: asyncio.Task[Any] = asyncio.Task(coro, loop=loop, context=context)
    owner = _call_tasks.get(None) if context is None else context.get(_call_tasks)
    if owner is not None:
        owner.add(task)
        task.add_done_callback(owner.discard)
    return task


class CallLoop:
    """The worker's one loop for calls, on a daemon thread started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = uvloop.new_event_loop()
                loop.set_task_factory(_tag_call_tasks)
                loop.slow_callback_duration = 0.1  # as livekit-agents sets on a job's loop
                threading.Thread(target=loop.run_forever, name="parley-calls", daemon=True).start()
                # warns on a stall of LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS, once for all calls
                loop_monitor.start_monitoring(loop, name="calls")
                self._loop = loop
            return self._loop


CALL_LOOP = CallLoop()

# The loop holds its tasks weakly, and nothing else on it holds a waiting call's: a call
# stays here until it ends, or the garbage collector would destroy it mid-call.
_serving: set[asyncio.Task[Any]] = set()


async def _serve(client: _ProcClient) -> None:
    """One call, from its first IPC message to its last; then whatever it left running."""
    me = asyncio.current_task()
    assert me is not None
    _serving.add(me)
    tasks: set[asyncio.Task[Any]] = set()
    _call_tasks.set(tasks)  # this task's own context: every task it starts inherits it
    try:
        await client._monitor_task()
    finally:
        _serving.discard(me)
        leftovers = [t for t in tasks if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.gather(*leftovers, return_exceptions=True)


def _run_call(args: job_proc_lazy_main.ThreadStartArgs, loop: asyncio.AbstractEventLoop) -> None:
    """On a short-lived thread: the blocking IPC handshake and prewarm, then the call
    moves onto the shared loop. ``join_fnc`` tells the worker when the call is over."""
    try:
        job_proc = job_proc_lazy_main._JobProc(
            args.initialize_process_fnc,
            args.job_entrypoint_fnc,
            args.session_end_fnc,
            session_end_timeout=args.session_end_timeout,
            executor_type=JobExecutorType.THREAD,
            user_arguments=args.user_arguments,
            simulation_end_fnc=args.simulation_end_fnc,
        )
        client = _ProcClient(args.mp_cch, None, job_proc.initialize, job_proc.entrypoint)
        client.initialize()
        served = asyncio.run_coroutine_threadsafe(_serve(client), loop)
    except BaseException:
        logger.exception("a call could not start on the shared loop")
        args.join_fnc()
        return

    def _ended(done: Any) -> None:
        if not done.cancelled() and done.exception() is not None:
            logger.error("a call ended with an error", exc_info=done.exception())
        args.join_fnc()

    served.add_done_callback(_ended)


class SharedLoopJobExecutor(job_thread_executor.ThreadJobExecutor):
    """livekit-agents' thread executor, with the job on the shared loop instead of a
    thread and a loop of its own."""

    async def _start(self) -> None:
        async with self._lock:
            parent_end, child_end = socket.socketpair()
            try:
                self._pch = await duplex_unix._AsyncDuplex.open(parent_end)
            except BaseException:
                parent_end.close()
                child_end.close()
                raise
            self._join_fut = asyncio.Future[None]()
            worker_loop = self._loop

            def _on_join() -> None:
                with contextlib.suppress(RuntimeError):  # the worker's loop is closed
                    worker_loop.call_soon_threadsafe(_settle, self._join_fut)

            targs = job_proc_lazy_main.ThreadStartArgs(
                mp_cch=child_end,
                initialize_process_fnc=self._opts.initialize_process_fnc,
                job_entrypoint_fnc=self._opts.job_entrypoint_fnc,
                session_end_fnc=self._opts.session_end_fnc,
                simulation_end_fnc=self._opts.simulation_end_fnc,
                session_end_timeout=self._opts.session_end_timeout,
                user_arguments=self._user_args,
                join_fnc=_on_join,
            )
            threading.Thread(
                target=_run_call, args=(targs, CALL_LOOP.get()), name="parley-call-init"
            ).start()
            self._main_atask = asyncio.create_task(self._main_task())


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def install() -> None:
    """Make livekit-agents' process pool build this executor where it would build a
    thread executor (``JOB_EXECUTOR=loop``)."""
    job_thread_executor.ThreadJobExecutor = SharedLoopJobExecutor  # type: ignore[misc]
