"""Functions written with the official StateFun Python SDK, served with aiohttp on
127.0.0.1 (a free port, printed as "PORT <n>") for statefun-runtime's tests."""

import asyncio
import sys
from datetime import timedelta

from aiohttp import web
from statefun import (
    Context,
    IntType,
    Message,
    RequestReplyHandler,
    StatefulFunctions,
    StringType,
    ValueSpec,
    egress_message_builder,
    message_builder,
)

functions = StatefulFunctions()


@functions.bind(
    typename="example/greeter",
    specs=[ValueSpec(name="seen", type=IntType, expire_after_call=timedelta(days=1))],
)
async def greeter(context: Context, message: Message):
    text = message.as_string()
    if text == "forget":
        context.cancel_delayed_message("remind")
        return
    seen = (context.storage.seen or 0) + 1
    context.storage.seen = seen
    context.send_egress(
        egress_message_builder(
            target_typename="example/greetings",
            value=f"Hello {text}, visit #{seen}",
            value_type=StringType,
        )
    )
    if seen == 1:
        context.send_after(
            timedelta(milliseconds=200),
            message_builder(target_typename="example/reminder", target_id=context.address.id, str_value=text),
            cancellation_token="remind",
        )


@functions.bind(typename="example/reminder")
def reminder(context: Context, message: Message):
    caller = context.caller
    sender = f"{caller.namespace}/{caller.name}/{caller.id}" if caller else "nobody"
    context.send_egress(
        egress_message_builder(
            target_typename="example/reminders",
            value=f"Reminder for {message.as_string()} from {sender}",
            value_type=StringType,
        )
    )


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
