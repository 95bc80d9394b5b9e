async def on_startup(app):
    app.started = True


async def on_shutdown(app):
    await app.close()
