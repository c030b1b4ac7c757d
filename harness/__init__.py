"""The harness the tests, the benchmarks and the demo share: real servers on free ports
(emulators, Redis, LiveKit, the API, agent workers), ``full_stack()`` that starts them
together, webhook signing, a synthetic caller, and local servers that speak the cloud
providers' wire protocols.

A library, not test code: nothing here imports from ``tests``.
"""
