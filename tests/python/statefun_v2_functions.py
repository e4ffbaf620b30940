"""Functions written with the official StateFun 2.x Python SDK (apache-flink-statefun 2.2.2),
served with the standard library's HTTP server on 127.0.0.1 (the port given as the only
argument, else a free one; printed as "PORT <n>") for statefun-runtime's 2.x tests and for
`statefun-runtime --module tests/python/statefun_v2_module.yaml`. Payloads are google.protobuf wrappers, so no
generated code is needed."""

import sys
import threading
import typing
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.wrappers_pb2 import Int64Value, StringValue
from statefun import RequestReplyHandler, StatefulFunctions, kafka_egress_record

functions = StatefulFunctions()


@functions.bind("example/greeter")
def greeter(context, message: typing.Union[StringValue, Int64Value]):
    if isinstance(message, Int64Value):
        # An acknowledgement from example/relay: count it.
        acks = context.state("acks").unpack(Int64Value) or Int64Value()
        acks.value += message.value
        context.state("acks").pack(acks)
        return
    seen = context.state("seen_count").unpack(Int64Value) or Int64Value()
    seen.value += 1
    context.state("seen_count").pack(seen)
    greeting = StringValue(value="Hello %s, visit %d" % (message.value, seen.value))
    context.pack_and_send_egress(
        "example/greets",
        kafka_egress_record(topic="greetings", key=message.value, value=greeting),
    )
    context.pack_and_send("example/relay", context.address.identity, greeting)


@functions.bind("example/relay")
def relay(context, greeting: StringValue):
    # Reply to the greeter that sent it, and remind the user later.
    context.pack_and_reply(Int64Value(value=1))
    context.pack_and_send_after(
        timedelta(seconds=1),
        "example/reminder",
        context.address.identity,
        StringValue(value="Reminder: " + greeting.value),
    )


@functions.bind("example/reminder")
def reminder(context, text: StringValue):
    context.pack_and_send_egress(
        "example/greets", kafka_egress_record(topic="reminders", value=text)
    )


handler = RequestReplyHandler(functions)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            answer = handler(body)
        except Exception as error:  # the request fails, as with Flask's 500
            self.send_response(500)
            self.end_headers()
            self.wfile.write(repr(error).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Runs until the test kills the process or closes our stdin.
    sys.stdin.read()
    server.shutdown()
