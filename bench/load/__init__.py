"""``make bench-load``: the HTTP API under thousands of simulated users (locust, in its own
virtualenv ``.venv-load``) while a real call runs, with the call's voice-to-voice measured
idle and under the load.

    .venv/bin/python -m bench.load [--users 200] [--seconds 60] [--turns 6]
    .venv/bin/python -m bench.load --base-url http://127.0.0.1:7071   # a running `make up`

Without ``--base-url`` it starts its own stack on free ports (emulators, LiveKit, the API,
an agent worker with the offline providers). It prints requests/s, p50/p95/p99 and errors
per route, and exits non-zero when any request failed.
"""
