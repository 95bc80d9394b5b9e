async def setup(app):
    app.routes.append("/metrics")
