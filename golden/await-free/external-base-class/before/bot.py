import asyncio

import discord


class Bot(discord.Client):
    async def on_ready(self):
        print("ready")

    async def greet(self, channel):
        await self.on_ready()
        await channel.send("hi")


class Helper:
    async def describe(self):
        return "helper"

    async def run(self):
        text = await self.describe()
        await asyncio.sleep(0)
        return text
