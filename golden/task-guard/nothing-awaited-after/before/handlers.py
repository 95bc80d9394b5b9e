import asyncio


async def on_signup(user, mailer):
    await user.save()
    asyncio.create_task(mailer.send_welcome(user))


async def on_login(user, audit):
    if user.is_admin:
        asyncio.create_task(audit.record(user))
    else:
        await user.touch()
    return user


async def on_upload(user, scanner, blob):
    asyncio.create_task(scanner.scan(blob))
    if blob.size == 0:
        return None
    await user.store(blob)
    return blob.id
