async def compute_total(items):
    return sum(item.price for item in items)
