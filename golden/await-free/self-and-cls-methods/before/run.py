import asyncio

from cache import main

asyncio.run(main())
