"""livekit's native (Rust and libwebrtc) logs: written by the native side, not by Python.

``livekit.rtc`` starts its native runtime with log capture on: every native record,
debug and trace included, is serialised, handed to Python under the GIL and mostly
dropped there. A call's two peer connections produce about 250 such records a second
(ICE pings, network scans), and carrying them cost a fifth of the worker's CPU at six
calls (``make bench-capacity``: 0.60 cores with capture, 0.48 without). Without capture
the native side filters by ``RUST_LOG`` itself and writes what passes to stderr, where
the container's log stream collects it; Parley defaults ``RUST_LOG`` to ``warn``.

Upstream: none filed (livekit.rtc has no option to start without capture).
"""

from __future__ import annotations

import ctypes
import logging
import os
from typing import Any

from livekit.rtc import _ffi_client

logger = logging.getLogger("parley.agent.native_logs")

DEFAULT_RUST_LOG = "warn"


class _NoCapture:
    """The native library, with ``livekit_ffi_initialize`` told not to capture logs."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self._lib = lib
        real = lib.livekit_ffi_initialize

        def initialize(callback: Any, _capture_logs: bool, sdk: bytes, version: bytes) -> None:
            real(callback, False, sdk, version)

        # livekit.rtc sets argtypes on what it gets; let it, on this wrapper
        self.livekit_ffi_initialize = initialize

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lib, name)


def keep_native_logs_native() -> bool:
    """Before ``livekit.rtc`` first starts its runtime: no log capture, ``RUST_LOG``
    defaulted. False (with a warning) when the runtime has already started."""
    if _ffi_client.FfiClient._instance is not None:
        logger.warning("livekit.rtc already started: its native logs stay captured")
        return False
    os.environ.setdefault("RUST_LOG", DEFAULT_RUST_LOG)
    load = _ffi_client.get_ffi_lib
    if getattr(load, "_parley_no_capture", False):
        return True

    def load_without_capture() -> Any:
        return _NoCapture(load())

    load_without_capture._parley_no_capture = True  # type: ignore[attr-defined]
    _ffi_client.get_ffi_lib = load_without_capture
    return True
