"""A thermostat integration (Home Assistant's shape): the device accepts one command at a time, and the
lock's comment says so. The state callback talks to the device too (it reads back the setpoint), so it
must stay under the lock."""

import asyncio


class Device:
    def __init__(self):
        self.busy = False
        self.log = []

    async def command(self, text):
        if self.busy:
            self.log.append(f"BUSY, dropped {text}")
            return
        self.busy = True
        await asyncio.sleep(0)
        self.log.append(text)
        self.busy = False


class Thermostat:
    def __init__(self, device, on_state):
        # Lock to prevent parallel calls to the device
        self._lock = asyncio.Lock()
        self._device = device
        self._on_state = on_state
        self._target = None

    async def set_target(self, degrees):
        async with self._lock:
            self._target = degrees
            await self._on_state(self._device, degrees)


async def main():
    device = Device()

    async def on_state(dev, degrees):
        await dev.command(f"set {degrees}")

    thermostat = Thermostat(device, on_state)
    await asyncio.gather(thermostat.set_target(20), thermostat.set_target(21), thermostat.set_target(19))
    print("\n".join(device.log))


asyncio.run(main())
