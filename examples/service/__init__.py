"""A small asyncio chat service: every pattern the transforms fix, in running code."""
