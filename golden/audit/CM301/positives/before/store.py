import json


async def encode(message):
    return json.dumps(message)


class Store:
    def __init__(self):
        self._rooms = {}

    async def add(self, room, message):
        self._rooms.setdefault(room, []).append(message)


async def main(store):
    await store.add("lobby", await encode({"text": "hi"}))
