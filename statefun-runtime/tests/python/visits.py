"""A visit counter written with the official StateFun Python SDK, served with aiohttp on
127.0.0.1 (a free port, printed as "PORT <n>"), for the runtime's durability test."""

import asyncio
import sys

from aiohttp import web
from statefun import Context, IntType, Message, RequestReplyHandler, StatefulFunctions, ValueSpec

functions = StatefulFunctions()


@functions.bind(typename="example/visits", specs=[ValueSpec(name="visits", type=IntType)])
async def visits(context: Context, message: Message):
    context.storage.visits = (context.storage.visits or 0) + 1


handler = RequestReplyHandler(functions)


async def handle(request: web.Request) -> web.Response:
    response = await handler.handle_async(await request.read())
    return web.Response(body=response, content_type="application/octet-stream")


async def main() -> None:
    app = web.Application()
    app.add_routes([web.post("/statefun", handle)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    # Runs until the test kills the process or closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
