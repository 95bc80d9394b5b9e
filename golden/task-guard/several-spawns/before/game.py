import asyncio


async def run_match(players, clock):
    """Run one match; every helper task ends with it."""
    ticker = asyncio.create_task(clock.tick())  # started before anyone joins
    for player in players:
        if player.is_bot:
            asyncio.create_task(player.think())
        else:
            feed = asyncio.create_task(player.stream())
            feed.set_name(f"feed-{player.name}")
    winner = await clock.wait_for_winner()
    if winner is None:
        return "draw"
    asyncio.create_task(clock.celebrate(winner)); await clock.pause()
    return winner.name
