"""An order book with a pre-booking hook: the risk hook raises to reject an order, and a rejected order
must not be booked. The hook's exception guards the booking that follows it."""

import asyncio


class Rejected(Exception):
    pass


class RiskHook:
    def __init__(self, limit):
        self.limit = limit

    async def before_book(self, order):
        await asyncio.sleep(0)
        if order["qty"] > self.limit:
            raise Rejected(f"{order['id']} exceeds {self.limit}")


class OrderBook:
    def __init__(self, hook):
        self._lock = asyncio.Lock()
        self._hook = hook
        self._booked = []

    async def place(self, order):
        async with self._lock:
            await self._hook.before_book(order)
            self._booked.append(order["id"])


async def main():
    book = OrderBook(RiskHook(limit=10))
    for order in ({"id": "o1", "qty": 5}, {"id": "o2", "qty": 50}, {"id": "o3", "qty": 7}):
        try:
            await book.place(order)
        except Rejected as exc:
            print("rejected:", exc)
    print("booked:", book._booked)


asyncio.run(main())
