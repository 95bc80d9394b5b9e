"""The lock pairs each command with its reply (aiosmtplib's shape); an observer is told afterwards."""
import asyncio


class Connection:
    def __init__(self, on_reply):
        self._command_lock = asyncio.Lock()
        self._waiter = None
        self._on_reply = on_reply  # a callback stored on the object: not the lock's business
        self.sent = 0

    def write(self, command):
        asyncio.get_running_loop().call_later(0.01, self._deliver, f"reply to {command}")

    def _deliver(self, reply):
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(reply)

    async def read_response(self):
        self._waiter = asyncio.get_running_loop().create_future()
        return await self._waiter

    async def execute_command(self, command):
        async with self._command_lock:
            self.write(command)
            response = await self.read_response()
            self.sent += 1
            await self._on_reply(command, response)
        return response


class RefCounted:
    """The last user's teardown runs under the lock that guards the count (aiobotocore's shape)."""

    def __init__(self):
        self._refcount = 0
        self._refcount_lock = asyncio.Lock()

    async def close(self):
        pass

    async def release(self):
        async with self._refcount_lock:
            self._refcount -= 1
            if self._refcount == 0:
                await self.close()
