import contextlib


@contextlib.contextmanager
def task_guard():
    tasks = set()
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
