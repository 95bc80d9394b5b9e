import queue
import threading


class Jobs:
    def __init__(self):
        self._jobs = queue.Queue()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._worker = threading.Thread(target=print)

    async def next_job(self):
        return self._jobs.get()

    async def submit(self, job):
        self._jobs.put(job)

    async def count(self):
        with self._lock:
            return self._jobs.qsize()

    async def take_lock(self):
        self._lock.acquire()
        self._lock.release()

    async def stop(self):
        self._done.wait()
        self._worker.join()
