//! `handle_loop INVOCATIONS ROUNDS [v2]`: runs the handler core on the benchmark's request
//! of INVOCATIONS invocations ROUNDS times, without HTTP; with `v2`, the same greeter on
//! the same request in the StateFun 2.x protocol. A driver for instruction counts
//! (`valgrind --tool=callgrind`), which stay repeatable on a busy machine.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut number = |default: usize| {
        args.next()
            .map_or(default, |a| a.parse().expect("a number"))
    };
    let (invocations, rounds) = (number(1), number(1000));
    let v2 = std::env::args().nth(3).is_some_and(|a| a == "v2");
    let (handler, body) = if v2 {
        (
            bench_greeter::handler_for(statefun_sdk::Protocol::V2),
            bench_greeter::requests::batch_v2(invocations, true),
        )
    } else {
        (
            bench_greeter::handler(),
            bench_greeter::requests::batch(invocations, true),
        )
    };
    let mut context = Context::from_waker(Waker::noop());
    let mut answered = 0;
    for _ in 0..rounds {
        let future = pin!(handler.handle(black_box(body.clone())));
        match future.poll(&mut context) {
            Poll::Ready(answer) => answered += answer.expect("an answer").len(),
            Poll::Pending => panic!("the greeter does not wait for anything"),
        }
    }
    println!("{rounds} rounds of {invocations} invocations, {answered} bytes answered");
}
