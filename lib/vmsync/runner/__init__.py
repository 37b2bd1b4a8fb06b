"""The runner: plans the order, runs the notebooks with papermill, keeps every run in a folder.

``run_suite(RunOptions(...))`` is what ``vmsync run`` calls; ``RunResult.exit_code`` is its exit code.
"""

from .run import RunOptions, RunResult, run_suite

__all__ = ["RunOptions", "RunResult", "run_suite"]
