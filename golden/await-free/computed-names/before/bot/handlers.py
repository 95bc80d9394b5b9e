from bot import commands


class Bot:
    async def on_join(self, user):
        return user

    async def greet(self, user):
        return await self.on_join(user)

    async def handle(self, event, user):
        return await getattr(self, "on_" + event)(user)


async def dispatch(name, args):
    handler = getattr(commands, f"cmd_{name}")
    return await handler(args)


async def digest():
    return await commands.cmd_status([]), await commands.uptime()


async def component_state(component):
    # the value is only a receiver: its uses are references by name
    module = getattr(component, "module_" + component.name)
    return module.is_on
