"""Exact Online: OAuth with rotating refresh tokens, a rate-limit-aware client, the few queries."""
