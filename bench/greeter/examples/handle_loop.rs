//! `handle_loop INVOCATIONS ROUNDS`: runs the handler core on the benchmark's request of
//! INVOCATIONS invocations ROUNDS times, without HTTP. A driver for instruction counts
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
    let handler = bench_greeter::handler();
    let body = bench_greeter::requests::batch(invocations, true);
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
