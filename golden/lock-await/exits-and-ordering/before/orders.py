import asyncio


class OrderBook:
    def __init__(self, listener):
        self._lock = asyncio.Lock()
        self._orders = {}
        self._listener = listener

    async def cancel(self, order_id):
        async with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return False  # an early return before the await is fine
            await self._listener.cancelled(order_id, order)
            del self._orders[order_id]
            return True

    async def fill(self, order_id, qty):
        async with self._lock:
            await self._listener.filling(order_id, qty)
            if self._orders[order_id] < qty:
                raise ValueError("overfill")
            self._orders[order_id] -= qty

    async def replace(self, order_id, qty):
        async with self._lock:
            await self._listener.replacing(order_id)
            price = await self._quote(order_id)
            self._orders[order_id] = (qty, price)

    async def relock(self, order_id):
        async with self._lock:
            await self._listener.relocking(order_id)
            await asyncio.wait_for(self._lock.acquire(), 1)
            self._orders.pop(order_id)
