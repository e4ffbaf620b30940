//! Messages between functions: `ping` sends to `pong`, which replies to its caller;
//! `reminder` schedules a delayed message to itself and can cancel it.

use std::time::Duration;

use statefun_sdk::types::StringType;
use statefun_sdk::{
    CancellationToken, Context, Error, FunctionSpec, Message, MessageBuilder, StatefulFunction,
    TypeName,
};

use crate::Lines;

/// Sends a ping to `pong` and logs the answer.
pub const PING: TypeName = TypeName::from_static("showcase/ping");
/// Replies to whoever called it.
pub const PONG: TypeName = TypeName::from_static("showcase/pong");
/// Reminds itself later, unless told to cancel.
pub const REMINDER: TypeName = TypeName::from_static("showcase/reminder");

async fn ping(lines: Lines, ctx: &mut Context, message: Message) -> Result<(), Error> {
    match ctx.caller() {
        // From an ingress: start a round trip to the pong with the same id.
        None => {
            let text = crate::text_of(&message)?;
            let id = ctx.address().id().to_owned();
            ctx.send(MessageBuilder::to(PONG, id).string(text));
        }
        // The pong's reply.
        Some(caller) => {
            let line = format!("{} answered {:?}", caller, crate::text_of(&message)?);
            lines.log(ctx, line)?;
        }
    }
    Ok(())
}

async fn pong(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let text = crate::text_of(&message)?;
    ctx.reply(&StringType, format!("pong: {text}"))?;
    Ok(())
}

async fn reminder(lines: Lines, ctx: &mut Context, message: Message) -> Result<(), Error> {
    let token = CancellationToken::new(format!("reminder-{}", ctx.address().id()))?;
    let me = ctx.address().clone();
    match crate::text_of(&message)?.as_str() {
        "remind me" => {
            let later = MessageBuilder::to_address(me).string("time is up");
            ctx.send_after_with_token(Duration::from_secs(60), &token, later)?;
        }
        "never mind" => ctx.cancel_delayed_message(&token),
        "time is up" => lines.log(ctx, format!("reminder for {}", me.id()))?,
        other => {
            return Err(Error::msg(format!(
                "the reminder does not understand {other:?}"
            )));
        }
    }
    Ok(())
}

struct Ping {
    lines: Lines,
}

impl StatefulFunction for Ping {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        ping(self.lines, ctx, message).await
    }
}

struct Reminder {
    lines: Lines,
}

impl StatefulFunction for Reminder {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        reminder(self.lines, ctx, message).await
    }
}

/// `showcase/ping`, logging to `lines`.
pub fn ping_spec(lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(PING, Ping { lines })
}

/// `showcase/pong`.
pub fn pong_spec() -> FunctionSpec {
    FunctionSpec::new(PONG, pong)
}

/// `showcase/reminder`, logging to `lines`.
pub fn reminder_spec(lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(REMINDER, Reminder { lines })
}
