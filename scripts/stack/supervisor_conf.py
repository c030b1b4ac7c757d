"""supervisord's configuration for the processes of a Procfile.

Each process runs through ``scripts.stack.gate`` (health-gated start), restarts when it
exits, and is stopped with its whole process group (no orphans). supervisord's own back-off
applies to a process that dies within ``START_SECONDS``: 1 s, 2 s, … between tries, and
after ``START_RETRIES`` it gives up on it (state FATAL, one clear log line).
"""

from __future__ import annotations

import sys
from pathlib import Path

START_SECONDS = 3
START_RETRIES = 8
STOP_WAIT_SECONDS = 15
"""Ctrl-C: SIGTERM, then SIGKILL to the group after this (the agent drains meanwhile)."""


def supervisor_conf(root: Path, run_dir: Path, procfile: Path, names: list[str]) -> str:
    """The file's text; later names start later and stop earlier (``priority``)."""
    logs = run_dir / "logs"
    sections = [
        "[supervisord]",
        "nodaemon=true",
        "silent=true",  # its log reaches the console through the log follower
        f"logfile={logs / 'supervisord.log'}",
        "logfile_maxbytes=10MB",
        f"pidfile={run_dir / 'supervisord.pid'}",
        f"directory={root}",
        "",
        "[unix_http_server]",
        f"file={run_dir / 'supervisor.sock'}",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{run_dir / 'supervisor.sock'}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for order, name in enumerate(names, 1):
        sections += [
            "",
            f"[program:{name}]",
            f"command={sys.executable} -m scripts.stack.gate {procfile} {name}",
            f"directory={root}",
            f"priority={order * 10}",
            "autorestart=true",
            f"startsecs={START_SECONDS}",
            f"startretries={START_RETRIES}",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={logs / (name + '.log')}",
            "stdout_logfile_maxbytes=10MB",
            "stdout_logfile_backups=1",
        ]
    return "\n".join(sections) + "\n"
