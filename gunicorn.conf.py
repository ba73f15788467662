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
max_requests_jitter = max_requests // 10
# Load the app once in the master and fork workers from it: a recycled worker starts in
# milliseconds instead of importing and building the app again (about a second of CPU), and the
# workers share the loaded code's memory. Code changes need a restart, not a HUP.
preload_app = os.environ.get("DMAT_PRELOAD", "1") != "0"


def on_starting(server):
    """Rate limits must count in one place for all workers: in production, refuse to start with
    a per-process store (memory://) and more than one worker; elsewhere, warn."""
    from assessment.extensions import rate_limit_store_problem
    from config import config_for_environment

    if preload_app:  # the app is loaded: its own settings
        settings = getattr(server.app.wsgi(), "config", {})
        if "RATELIMIT_STORAGE_URI" not in settings:
            return  # not dmat (the benchmarks' plain "hello" app): no limits to share
    else:
        selected = config_for_environment()
        settings = {name: getattr(selected, name) for name in dir(selected) if name.isupper()}
    problem = rate_limit_store_problem(
        settings.get("RATELIMIT_STORAGE_URI"),
        settings.get("RATELIMIT_ENABLED", True),
        server.cfg.workers,
    )
    if problem and settings.get("ENV_NAME") == "production":
        raise RuntimeError(problem)  # gunicorn prints it and exits with status 1
    if problem:
        server.log.warning(problem)


def when_ready(server):
    """The app is loaded in the master (preload): settle the garbage collector before forking."""
    if preload_app:
        from assessment.heap import settle_after_startup

        settle_after_startup()


def post_fork(server, worker):
    """A worker must never use a database connection opened in the master before the fork."""
    if preload_app:
        from assessment.pool import forget_inherited_connections

        forget_inherited_connections(server.app.wsgi())


def post_worker_init(worker):
    """The app is loaded in this worker: settle the garbage collector (assessment/heap.py)."""
    from assessment.heap import settle_after_startup

    settle_after_startup()
