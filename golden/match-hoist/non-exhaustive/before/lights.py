async def switch(bridge, light, state):
    if state == "on":
        await bridge.command(light, "on")
    elif state == "off":
        await bridge.command(light, "off")


async def scene(bridge, name):
    match name:
        case "evening":
            await bridge.apply("dim")
        case "night":
            await bridge.apply("off")
