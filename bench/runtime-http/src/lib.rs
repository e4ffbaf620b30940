//! Shared pieces of the runtime-over-HTTP measurement: the relay function and CPU time
//! read from `/proc`.

use std::time::Duration;

use statefun_sdk::{
    Context, Error, FunctionSpec, Message, MessageBuilder, RequestReplyHandler, TypeName,
};

/// The relay's function type.
pub const RELAY: TypeName = TypeName::from_static("bench/relay");

/// Passes an int message on until its count runs out. Ids are `<chain>:<position>`; a
/// chain cycles through 16 positions, so each chain keeps a few addresses busy at once.
async fn relay(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let hops_left = message.as_int()?;
    if hops_left > 0 {
        let (chain, position) = ctx
            .address()
            .id()
            .split_once(':')
            .ok_or_else(|| Error::msg("id is chain:position"))?;
        let next = (position.parse::<u32>()? + 1) % 16;
        ctx.send(MessageBuilder::to(RELAY, format!("{chain}:{next}")).int(hops_left - 1));
    }
    Ok(())
}

/// The relay function, ready to serve.
pub fn handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(FunctionSpec::new(RELAY, relay))
        .build()
        .expect("one function type")
}

/// CPU time (user and system, all threads) the process `pid` has used, from
/// `/proc/<pid>/task/*/schedstat` (nanoseconds, unlike the clock ticks of `stat`).
pub fn cpu_time(pid: u32) -> std::io::Result<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
        let nanos = stat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        total += nanos;
    }
    Ok(Duration::from_nanos(total))
}
