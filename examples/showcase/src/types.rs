//! Values and their types: the six built-ins, JSON via serde, Protobuf via prost, and a
//! custom codec. `showcase/types` receives any of them and logs what it got.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use statefun_sdk::types::{BoxError, CustomType, JsonType, ProtobufType};
use statefun_sdk::{Context, Error, FunctionSpec, Message, TypeName};

/// The function type of this module.
pub const TYPES: TypeName = TypeName::from_static("showcase/types");

/// A JSON type: any serde type under a typename you choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The user's name.
    pub name: String,
    /// Their age.
    pub age: u32,
}

/// `showcase/UserProfile` as JSON.
pub const USER_PROFILE: JsonType<UserProfile> =
    JsonType::new(TypeName::from_static("showcase/UserProfile"));

/// A Protobuf type: any `prost::Message` (generated or, as here, derived by hand).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Point {
    /// X.
    #[prost(sint64, tag = "1")]
    pub x: i64,
    /// Y.
    #[prost(sint64, tag = "2")]
    pub y: i64,
}

/// Points as Protobuf, under `type.googleapis.com/showcase.Point` as other SDKs name them.
pub const POINT: ProtobufType<Point> =
    ProtobufType::with_typename(TypeName::from_static("type.googleapis.com/showcase.Point"));

/// A custom type: your own bytes. Here an RGB colour as three raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

fn write_rgb(Rgb(r, g, b): &Rgb, out: &mut Vec<u8>) -> Result<(), BoxError> {
    out.extend_from_slice(&[*r, *g, *b]);
    Ok(())
}

fn read_rgb(bytes: Bytes) -> Result<Rgb, BoxError> {
    match bytes[..] {
        [r, g, b] => Ok(Rgb(r, g, b)),
        _ => Err(format!("an RGB colour is 3 bytes, not {}", bytes.len()).into()),
    }
}

/// `showcase/Rgb`: three bytes.
pub const RGB: CustomType<Rgb> =
    CustomType::new(TypeName::from_static("showcase/Rgb"), write_rgb, read_rgb);

async fn describe(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let description = if message.is_int() {
        format!("int {}", message.as_int()?)
    } else if message.is_long() {
        format!("long {}", message.as_long()?)
    } else if message.is_bool() {
        format!("bool {}", message.as_bool()?)
    } else if message.is_float() {
        format!("float {}", message.as_float()?)
    } else if message.is_double() {
        format!("double {}", message.as_double()?)
    } else if message.is_string() {
        format!("string {:?}", message.as_string()?)
    } else if message.is(&USER_PROFILE) {
        let user = message.as_type(&USER_PROFILE)?;
        format!("user {} aged {}", user.name, user.age)
    } else if message.is(&POINT) {
        let point = message.as_type(&POINT)?;
        format!("point ({}, {})", point.x, point.y)
    } else if message.is(&RGB) {
        let Rgb(r, g, b) = message.as_type(&RGB)?;
        format!("colour #{r:02x}{g:02x}{b:02x}")
    } else {
        format!("something of type {}", message.typename())
    };
    crate::log(ctx, description)
}

/// `showcase/types`.
pub fn spec() -> FunctionSpec {
    FunctionSpec::new(TYPES, describe)
}
