//! The three functions of the 2.x conformance suite (its README, section 5), written with
//! the public API of `statefun-sdk`, served with `Protocol::V2`.

use std::time::Duration;

use bytes::Bytes;
use statefun_sdk::types::{BoxError, ProtobufType, Type};
use statefun_sdk::{
    Context, EgressBuilder, Error, FunctionSpec, KafkaEgressBuilder, KinesisEgressBuilder, Message,
    MessageBuilder, OutgoingMessage, Protocol, RequestReplyHandler, TypeName, ValueSpec,
};

/// The payload messages of `conformance_v2.proto` and the well-known types the suite uses.
pub mod payloads {
    macro_rules! named {
        ($ty:ident, $package:literal, $name:literal) => {
            impl prost::Name for $ty {
                const NAME: &'static str = $name;
                const PACKAGE: &'static str = $package;
            }
        };
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Commands {
        #[prost(message, repeated, tag = "1")]
        pub commands: Vec<Command>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Command {
        #[prost(string, tag = "1")]
        pub op: String,
        #[prost(string, tag = "2")]
        pub state: String,
        #[prost(string, tag = "3")]
        pub target: String,
        #[prost(string, tag = "4")]
        pub id: String,
        #[prost(message, optional, tag = "5")]
        pub value: Option<prost_types::Any>,
        #[prost(int64, tag = "6")]
        pub delay_ms: i64,
        #[prost(string, tag = "7")]
        pub egress: String,
        #[prost(string, tag = "8")]
        pub topic: String,
        #[prost(string, tag = "9")]
        pub key: String,
        #[prost(string, tag = "10")]
        pub hash_key: String,
        #[prost(string, tag = "11")]
        pub r#type: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Contact {
        #[prost(string, tag = "1")]
        pub email: String,
        #[prost(string, tag = "2")]
        pub phone: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Profile {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(int32, tag = "2")]
        pub level: i32,
        #[prost(int64, tag = "3")]
        pub points: i64,
        #[prost(uint32, tag = "4")]
        pub visits: u32,
        #[prost(sint64, tag = "5")]
        pub drift: i64,
        #[prost(fixed32, tag = "6")]
        pub checksum: u32,
        #[prost(bool, tag = "7")]
        pub active: bool,
        #[prost(float, tag = "8")]
        pub ratio: f32,
        #[prost(double, tag = "9")]
        pub score: f64,
        #[prost(bytes = "vec", tag = "10")]
        pub avatar: Vec<u8>,
        #[prost(int32, tag = "11")]
        pub status: i32,
        #[prost(string, repeated, tag = "12")]
        pub tags: Vec<String>,
        #[prost(int64, repeated, tag = "13")]
        pub history: Vec<i64>,
        #[prost(message, optional, tag = "14")]
        pub home: Option<Contact>,
        #[prost(message, repeated, tag = "15")]
        pub contacts: Vec<Contact>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Greeting {
        #[prost(string, tag = "1")]
        pub text: String,
        #[prost(int64, tag = "2")]
        pub seen: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct StringValue {
        #[prost(string, tag = "1")]
        pub value: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BytesValue {
        #[prost(bytes = "vec", tag = "1")]
        pub value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct BoolValue {
        #[prost(bool, tag = "1")]
        pub value: bool,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Int32Value {
        #[prost(int32, tag = "1")]
        pub value: i32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Int64Value {
        #[prost(int64, tag = "1")]
        pub value: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UInt32Value {
        #[prost(uint32, tag = "1")]
        pub value: u32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct UInt64Value {
        #[prost(uint64, tag = "1")]
        pub value: u64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct FloatValue {
        #[prost(float, tag = "1")]
        pub value: f32,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct DoubleValue {
        #[prost(double, tag = "1")]
        pub value: f64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Empty {}

    named!(Commands, "conformance.v2", "Commands");
    named!(Profile, "conformance.v2", "Profile");
    named!(Greeting, "conformance.v2", "Greeting");
    named!(StringValue, "google.protobuf", "StringValue");
    named!(Int64Value, "google.protobuf", "Int64Value");
    named!(Empty, "google.protobuf", "Empty");

    /// The canonical encoding of the message of full name `name` in `bytes` (README 5.1).
    pub fn canonical(name: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
        fn re<M: prost::Message + Default>(bytes: &[u8]) -> Result<Vec<u8>, String> {
            M::decode(bytes)
                .map(|m| m.encode_to_vec())
                .map_err(|e| e.to_string())
        }
        match name {
            "google.protobuf.StringValue" => re::<StringValue>(bytes),
            "google.protobuf.BytesValue" => re::<BytesValue>(bytes),
            "google.protobuf.BoolValue" => re::<BoolValue>(bytes),
            "google.protobuf.Int32Value" => re::<Int32Value>(bytes),
            "google.protobuf.Int64Value" => re::<Int64Value>(bytes),
            "google.protobuf.UInt32Value" => re::<UInt32Value>(bytes),
            "google.protobuf.UInt64Value" => re::<UInt64Value>(bytes),
            "google.protobuf.FloatValue" => re::<FloatValue>(bytes),
            "google.protobuf.DoubleValue" => re::<DoubleValue>(bytes),
            "google.protobuf.Empty" => re::<Empty>(bytes),
            "google.protobuf.Any" => re::<prost_types::Any>(bytes),
            "conformance.v2.Profile" => re::<Profile>(bytes),
            "conformance.v2.Greeting" => re::<Greeting>(bytes),
            "conformance.v2.Contact" => re::<Contact>(bytes),
            "conformance.v2.Commands" => re::<Commands>(bytes),
            other => Err(format!("`{other}` is not in the payload registry")),
        }
    }
}

use payloads::{Commands, Empty, Greeting, Int64Value, Profile, StringValue, canonical};

const INTERPRETER: TypeName = TypeName::from_static("conformance/interpreter");
const ECHO: TypeName = TypeName::from_static("conformance/echo");
const TYPED: TypeName = TypeName::from_static("conformance/typed");
const OUT: TypeName = TypeName::from_static("conformance/out");
const TYPED_OUT: TypeName = TypeName::from_static("conformance/typed-out");

/// A registry message by its full name, as canonical bytes: packed with
/// `type.googleapis.com/<name>` by the SDK, read from a state or message of that name.
#[derive(Debug, Clone)]
struct Registered(TypeName);

impl Registered {
    fn named(full_name: &str) -> Result<Registered, Error> {
        Ok(Registered(TypeName::new("type.googleapis.com", full_name)?))
    }
}

impl Type for Registered {
    type Value = Vec<u8>;

    fn typename(&self) -> &TypeName {
        &self.0
    }

    fn serialize(&self, value: &Vec<u8>, out: &mut Vec<u8>) -> Result<(), BoxError> {
        out.extend_from_slice(value);
        Ok(())
    }

    fn deserialize(&self, bytes: Bytes) -> Result<Vec<u8>, BoxError> {
        Ok(canonical(self.0.name(), &bytes)?)
    }
}

fn int64() -> ProtobufType<Int64Value> {
    ProtobufType::new()
}

/// The handler serving the three functions over the 2.x protocol.
pub fn conformance_v2_handler() -> RequestReplyHandler {
    RequestReplyHandler::builder()
        .protocol(Protocol::V2)
        .register(FunctionSpec::new(INTERPRETER, interpreter))
        .register(FunctionSpec::new(ECHO, echo))
        .register(FunctionSpec::new(TYPED, typed))
        .build()
        .expect("distinct function types")
}

fn name_of(type_url: &str) -> Result<&str, Error> {
    type_url
        .rfind('/')
        .map(|at| &type_url[at + 1..])
        .ok_or_else(|| Error::msg(format!("the type URL `{type_url}` names no type")))
}

/// PACK(UNPACK(value)): the value re-encoded canonically, as the SDK packs it.
fn unpacked(value: &Option<prost_types::Any>) -> Result<(Registered, Vec<u8>), Error> {
    let any = value.clone().unwrap_or_default();
    let ty = Registered::named(name_of(&any.type_url)?)?;
    let bytes = canonical(ty.0.name(), &any.value).map_err(Error::msg)?;
    Ok((ty, bytes))
}

fn as_given(value: &Option<prost_types::Any>) -> prost_types::Any {
    value.clone().unwrap_or_default()
}

fn state_spec<T: Type>(name: &str, ty: T) -> Result<ValueSpec<T>, Error> {
    Ok(ValueSpec::try_new(name, ty)?)
}

fn string_value(
    text: impl Into<String>,
) -> Result<(ProtobufType<StringValue>, StringValue), Error> {
    Ok((ProtobufType::new(), StringValue { value: text.into() }))
}

fn incr(ctx: &mut Context, state: &str, by: i64) -> Result<(), Error> {
    let spec = state_spec(state, int64())?;
    let now = ctx.storage().get(&spec)?.map_or(0, |v| v.value);
    ctx.storage().set(&spec, Int64Value { value: now + by })?;
    Ok(())
}

fn egress_to(egress: &str) -> Result<EgressBuilder, Error> {
    Ok(EgressBuilder::to(egress.parse()?))
}

fn message_to(target: &str, id: &str) -> Result<MessageBuilder, Error> {
    Ok(MessageBuilder::to(target.parse()?, id))
}

fn reply_to(ctx: &Context) -> Result<MessageBuilder, Error> {
    let caller = ctx
        .caller()
        .cloned()
        .ok_or_else(|| Error::msg("reply without a caller: the message came from an ingress"))?;
    Ok(MessageBuilder::to_address(caller))
}

fn packed(
    builder: MessageBuilder,
    value: &Option<prost_types::Any>,
) -> Result<OutgoingMessage, Error> {
    let (ty, bytes) = unpacked(value)?;
    Ok(builder.value(&ty, &bytes)?)
}

async fn interpreter(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let commands: ProtobufType<Commands> = ProtobufType::new();
    if !message.is(&commands) {
        incr(ctx, "counter", 1)?;
        if message.is(&int64()) {
            let value = message.as_type(&int64())?.value;
            incr(ctx, "total", value)?;
        }
        return Ok(());
    }
    for command in message.as_type(&commands)?.commands {
        run(ctx, &command)?;
    }
    Ok(())
}

fn run(ctx: &mut Context, c: &payloads::Command) -> Result<(), Error> {
    match c.op.as_str() {
        "set" => {
            let (ty, bytes) = unpacked(&c.value)?;
            ctx.storage().set(&state_spec(&c.state, ty)?, bytes)?;
        }
        "set_any" => {
            let spec = state_spec(&c.state, int64())?;
            ctx.storage().set_any(&spec, as_given(&c.value))?;
        }
        "del" => ctx.storage().remove(&state_spec(&c.state, int64())?)?,
        "incr" => incr(ctx, &c.state, 1)?,
        "read" => {
            let ty = Registered::named(&c.r#type)?;
            let read = ctx.storage().get(&state_spec(&c.state, ty.clone())?)?;
            let record = match read {
                Some(bytes) => egress_to(&c.egress)?.value(&ty, &bytes)?,
                None => {
                    let (ty, absent) = string_value("absent")?;
                    egress_to(&c.egress)?.value(&ty, &absent)?
                }
            };
            ctx.send_egress(record);
        }
        "read_any" => {
            let read = ctx.storage().get_any(&state_spec(&c.state, int64())?)?;
            let record = match read {
                Some(any) => egress_to(&c.egress)?.any(any),
                None => {
                    let (ty, absent) = string_value("absent")?;
                    egress_to(&c.egress)?.value(&ty, &absent)?
                }
            };
            ctx.send_egress(record);
        }
        "send" => {
            let message = packed(message_to(&c.target, &c.id)?, &c.value)?;
            ctx.send(message);
        }
        "send_any" => ctx.send(message_to(&c.target, &c.id)?.any(as_given(&c.value))),
        "reply" => {
            let message = packed(reply_to(ctx)?, &c.value)?;
            ctx.send(message);
        }
        "reply_any" => {
            let message = reply_to(ctx)?.any(as_given(&c.value));
            ctx.send(message);
        }
        "send_after" | "send_after_any" => {
            let builder = message_to(&c.target, &c.id)?;
            let message = if c.op == "send_after" {
                packed(builder, &c.value)?
            } else {
                builder.any(as_given(&c.value))
            };
            let delay = u64::try_from(c.delay_ms).map_err(Error::msg)?;
            ctx.send_after(Duration::from_millis(delay), message)?;
        }
        "egress" => {
            let (ty, bytes) = unpacked(&c.value)?;
            let record = egress_to(&c.egress)?.value(&ty, &bytes)?;
            ctx.send_egress(record);
        }
        "egress_any" => ctx.send_egress(egress_to(&c.egress)?.any(as_given(&c.value))),
        "kafka" => {
            let (ty, bytes) = unpacked(&c.value)?;
            let record = KafkaEgressBuilder::to(c.egress.parse()?)
                .topic(c.topic.as_str())
                .key(c.key.as_str())
                .value(&ty, &bytes)
                .build()?;
            ctx.send_egress(record);
        }
        "kinesis" => {
            let (ty, bytes) = unpacked(&c.value)?;
            let record = KinesisEgressBuilder::to(c.egress.parse()?)
                .stream(c.topic.as_str())
                .partition_key(c.key.as_str())
                .explicit_hash_key(c.hash_key.as_str())
                .value(&ty, &bytes)
                .build()?;
            ctx.send_egress(record);
        }
        "egress_self" => {
            let (ty, text) = string_value(ctx.address().to_string())?;
            ctx.send_egress(egress_to(&c.egress)?.value(&ty, &text)?);
        }
        "egress_caller" => {
            let caller = ctx
                .caller()
                .map_or_else(|| "none".to_owned(), |c| c.to_string());
            let (ty, text) = string_value(caller)?;
            ctx.send_egress(egress_to(&c.egress)?.value(&ty, &text)?);
        }
        other => return Err(Error::msg(format!("unknown command `{other}`"))),
    }
    Ok(())
}

async fn echo(ctx: &mut Context, message: Message) -> Result<(), Error> {
    ctx.send_egress(EgressBuilder::to(OUT).forward(&message)?);
    Ok(())
}

async fn typed(ctx: &mut Context, message: Message) -> Result<(), Error> {
    fn try_as<M: prost::Message + prost::Name + Default + 'static>(
        ctx: &mut Context,
        message: &Message,
    ) -> Result<bool, Error> {
        let ty: ProtobufType<M> = ProtobufType::new();
        if !message.is(&ty) {
            return Ok(false);
        }
        let value = message.as_type(&ty)?;
        ctx.send_egress(EgressBuilder::to(TYPED_OUT).value(&ty, &value)?);
        Ok(true)
    }
    let handled = try_as::<StringValue>(ctx, &message)?
        || try_as::<Int64Value>(ctx, &message)?
        || try_as::<Greeting>(ctx, &message)?
        || try_as::<Profile>(ctx, &message)?
        || try_as::<Empty>(ctx, &message)?;
    if handled {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "Unknown message type {}",
            message.typename()
        )))
    }
}
