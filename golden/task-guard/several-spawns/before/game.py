import asyncio


async def tick(clock):
    while True:
        await clock.advance()


async def think(player):
    while True:
        await player.move()


async def stream(player):
    while True:
        await player.send_frame()


async def run_match(players, clock):
    """Run one match; every helper task ends with it."""
    ticker = asyncio.create_task(tick(clock))  # started before anyone joins
    for player in players:
        if player.is_bot:
            asyncio.create_task(think(player))
        else:
            feed = asyncio.create_task(stream(player))
            feed.set_name(f"feed-{player.name}")
    winner = await clock.wait_for_winner()
    if winner is None:
        return "draw"
    asyncio.create_task(clock.celebrate(winner)); await clock.pause()
    return winner.name
