//! The two functions of the conformance suite (its README, section 5), written with the
//! public API of `statefun-sdk` only.

use std::time::Duration;

use serde_json::Value;
use statefun_sdk::types::{
    BoolType, DoubleType, FloatType, IntType, JsonType, LongType, StringType,
};
use statefun_sdk::{
    CancellationToken, Context, EgressBuilder, EgressMessage, Error, FunctionSpec,
    KafkaEgressBuilder, KinesisEgressBuilder, Message, MessageBuilder, OutgoingMessage,
    RequestReplyHandler, TypeName, ValueSpec,
};

const INTERPRETER: TypeName = TypeName::from_static("conformance/interpreter");
const ECHO: TypeName = TypeName::from_static("conformance/echo");
const ECHO_OUT: TypeName = TypeName::from_static("conformance/out");

const PROFILE_TYPE: JsonType<Value> = JsonType::new(TypeName::from_static("conformance/Profile"));
const PAYLOAD_TYPE: JsonType<Value> = JsonType::new(TypeName::from_static("conformance/Payload"));
const COMMANDS_TYPE: JsonType<Value> = JsonType::new(TypeName::from_static("conformance/Commands"));

static COUNTER: ValueSpec<IntType> = ValueSpec::new("counter", IntType);
static FLAG: ValueSpec<BoolType> =
    ValueSpec::new("flag", BoolType).expire_after_call(Duration::from_secs(60));
static TOTAL: ValueSpec<LongType> =
    ValueSpec::new("total", LongType).expire_after_write(Duration::from_secs(86_400));
static RATIO: ValueSpec<FloatType> = ValueSpec::new("ratio", FloatType);
static AMOUNT: ValueSpec<DoubleType> = ValueSpec::new("amount", DoubleType);
static LABEL: ValueSpec<StringType> = ValueSpec::new("label", StringType);
static PROFILE: ValueSpec<JsonType<Value>> = ValueSpec::new("profile", PROFILE_TYPE);

/// The handler with both functions registered.
pub fn conformance_handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .register(
            FunctionSpec::new(INTERPRETER, interpreter)
                .with_state(&COUNTER)
                .with_state(&FLAG)
                .with_state(&TOTAL)
                .with_state(&RATIO)
                .with_state(&AMOUNT)
                .with_state(&LABEL)
                .with_state(&PROFILE),
        )
        .register(FunctionSpec::new(ECHO, echo))
        .build()
        .expect("the conformance functions register")
}

async fn echo(ctx: &mut Context, message: Message) -> Result<(), Error> {
    ctx.send_egress(EgressBuilder::to(ECHO_OUT).forward(&message)?);
    Ok(())
}

async fn interpreter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    if message.is(&COMMANDS_TYPE) {
        if message.has_value() {
            let program = message.as_type(&COMMANDS_TYPE)?;
            let commands = program["commands"]
                .as_array()
                .ok_or_else(|| Error::msg("no command list"))?;
            for command in commands {
                execute(ctx, command)?;
            }
        }
        return Ok(());
    }
    increment_counter(ctx)?;
    if message.is_long() && message.has_value() {
        let total = ctx.storage().get(&TOTAL)?.unwrap_or(0);
        ctx.storage().set(&TOTAL, total + message.as_long()?)?;
    }
    Ok(())
}

fn increment_counter(ctx: &mut Context) -> Result<(), Error> {
    let counter = ctx.storage().get(&COUNTER)?.unwrap_or(0);
    ctx.storage().set(&COUNTER, counter + 1)?;
    Ok(())
}

/// A typed value of a command: `TV(T, V)` of the suite.
enum Typed {
    Int(i32),
    Long(i64),
    Bool(bool),
    Float(f32),
    Double(f64),
    Str(String),
    Json(Value),
    /// A profile read from state: JSON under `conformance/Profile`.
    Profile(Value),
}

fn typed(command: &Value) -> Result<Typed, Error> {
    let value = &command["value"];
    let missing = || Error::msg(format!("bad value in {command}"));
    Ok(match command["type"].as_str().ok_or_else(missing)? {
        "int" => Typed::Int(i32::try_from(value.as_i64().ok_or_else(missing)?)?),
        "long" => Typed::Long(value.as_i64().ok_or_else(missing)?),
        "bool" => Typed::Bool(value.as_bool().ok_or_else(missing)?),
        "float" => Typed::Float(value.as_f64().ok_or_else(missing)? as f32),
        "double" => Typed::Double(value.as_f64().ok_or_else(missing)?),
        "string" => Typed::Str(value.as_str().ok_or_else(missing)?.to_owned()),
        "json" => Typed::Json(value.clone()),
        other => return Err(Error::msg(format!("unknown value type {other}"))),
    })
}

fn message_with(builder: MessageBuilder, value: Typed) -> Result<OutgoingMessage, Error> {
    Ok(match value {
        Typed::Int(v) => builder.int(v),
        Typed::Long(v) => builder.long(v),
        Typed::Bool(v) => builder.bool(v),
        Typed::Float(v) => builder.float(v),
        Typed::Double(v) => builder.double(v),
        Typed::Str(v) => builder.string(v),
        Typed::Json(v) => builder.value(&PAYLOAD_TYPE, &v)?,
        Typed::Profile(v) => builder.value(&PROFILE_TYPE, &v)?,
    })
}

fn egress_with(builder: EgressBuilder, value: Typed) -> Result<EgressMessage, Error> {
    Ok(match value {
        Typed::Int(v) => builder.int(v),
        Typed::Long(v) => builder.long(v),
        Typed::Bool(v) => builder.bool(v),
        Typed::Float(v) => builder.float(v),
        Typed::Double(v) => builder.double(v),
        Typed::Str(v) => builder.string(v),
        Typed::Json(v) => builder.value(&PAYLOAD_TYPE, &v)?,
        Typed::Profile(v) => builder.value(&PROFILE_TYPE, &v)?,
    })
}

fn kafka_with(builder: KafkaEgressBuilder, value: Typed) -> Result<KafkaEgressBuilder, Error> {
    Ok(match value {
        Typed::Int(v) => builder.value(&IntType, &v),
        Typed::Long(v) => builder.value(&LongType, &v),
        Typed::Bool(v) => builder.value(&BoolType, &v),
        Typed::Float(v) => builder.value(&FloatType, &v),
        Typed::Double(v) => builder.value(&DoubleType, &v),
        Typed::Str(v) => builder.value(&StringType, &v),
        Typed::Json(_) | Typed::Profile(_) => {
            return Err(Error::msg("kafka_typed takes primitive types only"));
        }
    })
}

fn text<'a>(command: &'a Value, key: &str) -> Result<&'a str, Error> {
    command[key]
        .as_str()
        .ok_or_else(|| Error::msg(format!("missing `{key}` in {command}")))
}

fn typename(command: &Value, key: &str) -> Result<TypeName, Error> {
    Ok(text(command, key)?.parse()?)
}

fn state_name(command: &Value) -> Result<&str, Error> {
    text(command, "state")
}

fn execute(ctx: &mut Context, command: &Value) -> Result<(), Error> {
    match text(command, "op")? {
        "set" => set_state(ctx, state_name(command)?, &command["value"])?,
        "del" => delete_state(ctx, state_name(command)?)?,
        "incr" => increment_counter(ctx)?,
        "send" => {
            let builder = MessageBuilder::to(typename(command, "target")?, text(command, "id")?);
            ctx.send(message_with(builder, typed(command)?)?);
        }
        "send_counter" => {
            let counter = ctx.storage().get(&COUNTER)?.unwrap_or(0);
            ctx.send(
                MessageBuilder::to(typename(command, "target")?, text(command, "id")?).int(counter),
            );
        }
        "reply" => {
            if let Some(caller) = ctx.caller().cloned() {
                ctx.send(message_with(
                    MessageBuilder::to_address(caller),
                    typed(command)?,
                )?);
            }
        }
        "send_after" => {
            let delay = Duration::from_millis(
                command["delay_ms"]
                    .as_u64()
                    .ok_or_else(|| Error::msg("delay_ms"))?,
            );
            let builder = MessageBuilder::to(typename(command, "target")?, text(command, "id")?);
            let message = message_with(builder, typed(command)?)?;
            match command.get("token").and_then(Value::as_str) {
                Some(token) => {
                    ctx.send_after_with_token(delay, &CancellationToken::new(token)?, message)?
                }
                None => ctx.send_after(delay, message)?,
            }
        }
        "cancel" => ctx.cancel_delayed_message(&CancellationToken::new(text(command, "token")?)?),
        "egress" => {
            let builder = EgressBuilder::to(typename(command, "egress")?);
            ctx.send_egress(egress_with(builder, typed(command)?)?);
        }
        "egress_state" => {
            let builder = EgressBuilder::to(typename(command, "egress")?);
            let record = match state_value(ctx, state_name(command)?)? {
                Some(value) => egress_with(builder, value)?,
                None => builder.string("absent"),
            };
            ctx.send_egress(record);
        }
        "egress_caller" => {
            let caller = ctx
                .caller()
                .map_or_else(|| "none".to_owned(), ToString::to_string);
            ctx.send_egress(EgressBuilder::to(typename(command, "egress")?).string(caller));
        }
        "egress_self" => {
            let me = ctx.address().to_string();
            ctx.send_egress(EgressBuilder::to(typename(command, "egress")?).string(me));
        }
        "kafka" | "kafka_typed" => {
            let mut builder =
                KafkaEgressBuilder::to(typename(command, "egress")?).topic(text(command, "topic")?);
            if let Some(key) = command.get("key").and_then(Value::as_str) {
                builder = builder.key(key);
            }
            builder = if command["op"] == "kafka" {
                builder.value_string(text(command, "value")?)
            } else {
                kafka_with(builder, typed(command)?)?
            };
            ctx.send_egress(builder.build()?);
        }
        "kinesis" => {
            let mut builder = KinesisEgressBuilder::to(typename(command, "egress")?)
                .stream(text(command, "stream")?)
                .partition_key(text(command, "partition_key")?)
                .value_string(text(command, "value")?);
            if let Some(key) = command.get("hash_key").and_then(Value::as_str) {
                builder = builder.explicit_hash_key(key);
            }
            ctx.send_egress(builder.build()?);
        }
        other => return Err(Error::msg(format!("unknown op {other}"))),
    }
    Ok(())
}

fn set_state(ctx: &mut Context, name: &str, value: &Value) -> Result<(), Error> {
    let bad = || Error::msg(format!("bad value {value} for state {name}"));
    let storage = ctx.storage();
    match name {
        "counter" => storage.set(&COUNTER, i32::try_from(value.as_i64().ok_or_else(bad)?)?)?,
        "flag" => storage.set(&FLAG, value.as_bool().ok_or_else(bad)?)?,
        "total" => storage.set(&TOTAL, value.as_i64().ok_or_else(bad)?)?,
        "ratio" => storage.set(&RATIO, value.as_f64().ok_or_else(bad)? as f32)?,
        "amount" => storage.set(&AMOUNT, value.as_f64().ok_or_else(bad)?)?,
        "label" => storage.set(&LABEL, value.as_str().ok_or_else(bad)?.to_owned())?,
        "profile" => storage.set(&PROFILE, value)?,
        other => return Err(Error::msg(format!("unknown state {other}"))),
    }
    Ok(())
}

fn delete_state(ctx: &mut Context, name: &str) -> Result<(), Error> {
    let storage = ctx.storage();
    match name {
        "counter" => storage.remove(&COUNTER)?,
        "flag" => storage.remove(&FLAG)?,
        "total" => storage.remove(&TOTAL)?,
        "ratio" => storage.remove(&RATIO)?,
        "amount" => storage.remove(&AMOUNT)?,
        "label" => storage.remove(&LABEL)?,
        "profile" => storage.remove(&PROFILE)?,
        other => return Err(Error::msg(format!("unknown state {other}"))),
    }
    Ok(())
}

/// The state's current value, typed like a command value so it can be egressed.
fn state_value(ctx: &mut Context, name: &str) -> Result<Option<Typed>, Error> {
    let storage = ctx.storage();
    Ok(match name {
        "counter" => storage.get(&COUNTER)?.map(Typed::Int),
        "flag" => storage.get(&FLAG)?.map(Typed::Bool),
        "total" => storage.get(&TOTAL)?.map(Typed::Long),
        "ratio" => storage.get(&RATIO)?.map(Typed::Float),
        "amount" => storage.get(&AMOUNT)?.map(Typed::Double),
        "label" => storage.get(&LABEL)?.map(Typed::Str),
        "profile" => storage.get(&PROFILE)?.map(Typed::Profile),
        other => return Err(Error::msg(format!("unknown state {other}"))),
    })
}
