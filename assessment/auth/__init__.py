"""Logging in and out; accounts."""
