"""Public pages: the landing page and shared static assets."""
