//! Persisted values: a login session that expires an hour after its last use, and a
//! login count that stays.

use std::time::Duration;

use statefun_sdk::types::{IntType, StringType};
use statefun_sdk::{Context, Error, FunctionSpec, Message, StatefulFunction, TypeName, ValueSpec};

use crate::Lines;

/// Keeps a session per user.
pub const SESSION: TypeName = TypeName::from_static("showcase/session");

/// Gone an hour after the user was last seen: every invocation renews it.
static TOKEN: ValueSpec<StringType> =
    ValueSpec::new("token", StringType).expire_after_call(Duration::from_secs(3600));
/// Never expires.
static LOGINS: ValueSpec<IntType> = ValueSpec::new("logins", IntType);

async fn session(lines: Lines, ctx: &mut Context, message: Message) -> Result<(), Error> {
    let user = ctx.address().id().to_owned();
    let line = match crate::text_of(&message)?.as_str() {
        "login" => {
            let logins = ctx.storage().update(&LOGINS, |logins| {
                let count = logins.unwrap_or(0) + 1;
                *logins = Some(count);
                count
            })?;
            ctx.storage()
                .set(&TOKEN, format!("{user}-session-{logins}"))?;
            format!("{user} logged in ({logins} times so far)")
        }
        "logout" => {
            ctx.storage().remove(&TOKEN)?;
            format!("{user} logged out")
        }
        "whoami" => match ctx.storage().get(&TOKEN)? {
            Some(token) => format!("{user} holds {token}"),
            None => format!("{user} has no session"),
        },
        other => return Err(Error::msg(format!("unknown command {other:?}"))),
    };
    lines.log(ctx, line)
}

struct Session {
    lines: Lines,
}

impl StatefulFunction for Session {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        session(self.lines, ctx, message).await
    }
}

/// `showcase/session`, logging to `lines`.
pub fn spec(lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(SESSION, Session { lines })
        .with_state(&TOKEN)
        .with_state(&LOGINS)
}
