class Bus:
    async def publish(self, topic, payload, *, qos=0):
        ...


async def forward(bus: Bus, event, payload):
    match event:
        case "motion":
            await bus.publish("home/motion", payload, qos=1)  # sensors resend anyway
        case _:
            await bus.publish("home/other", payload, qos=0)  # best effort
    if event == "door":
        # doors matter
        await bus.publish("home/door", payload, qos=2)  # retried by the broker
    else:
        await bus.publish("home/misc", payload, qos=2)  # retried by the broker


async def forward_all(bus: Bus, event, payload):
    if event:
        await bus.publish("home/a", payload, qos=1)
    else:
        await bus.publish(
            "home/b",
            payload,  # the raw payload, unparsed
            qos=1,
        )
