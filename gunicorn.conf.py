"""gunicorn settings for production, all from the environment (see the README)."""

import multiprocessing
import os

bind = os.environ.get("DMAT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DMAT_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("DMAT_THREADS", "1"))
timeout = int(os.environ.get("DMAT_TIMEOUT", "60"))
graceful_timeout = 30
accesslog = None  # the app logs one structured line per request itself
errorlog = "-"
loglevel = os.environ.get("DMAT_LOG_LEVEL", "info").lower()
# the app holds no state in the process: workers can be recycled to bound memory growth
max_requests = int(os.environ.get("DMAT_MAX_REQUESTS", "5000"))
max_requests_jitter = 500


def post_worker_init(worker):
    """The app is loaded in this worker: settle the garbage collector (assessment/heap.py)."""
    from assessment.heap import settle_after_startup

    settle_after_startup()
