"""The supervised local stack behind `make up` / `make api` (``scripts.devstack``).

``Procfile.up`` / ``Procfile.api`` list the processes; supervisord (PyPI ``supervisor``)
restarts each one that dies; ``gate`` starts a process only once what it needs answers
its health check; ``console`` shows every process's log in one terminal.
"""
