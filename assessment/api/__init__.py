"""The read-only JSON API (``/api/v1``) for scripts and dashboards elsewhere."""
