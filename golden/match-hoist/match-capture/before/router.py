async def publish(topic, payload, *, retain=False):
    ...


async def route(event, bus):
    match event:
        case ("temperature", value):
            await publish("sensors/temperature", value, retain=True)
        case ("humidity", value):
            await publish("sensors/humidity", value, retain=True)
        case other:
            await publish("sensors/unknown", other, retain=True)
