async def download(session, url, *, timeout):
    ...


async def load(self, source):
    match source:
        case "primary":
            self.data = await download(self.session, "https://a.example/data", timeout=5)
        case "mirror":
            self.data = await download(self.session, "https://b.example/data", timeout=30)
        case _:
            self.data = await download(self.session, source, timeout=30)
    return self.data


async def mixed(session, fast):
    # different targets: left alone
    if fast:
        head = await download(session, "/head", timeout=1)
    else:
        body = await download(session, "/body", timeout=1)
    return fast
