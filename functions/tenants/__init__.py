"""Tenants: each integrator's own agent configuration (its profile)."""
