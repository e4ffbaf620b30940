//! Values and their types: the six built-ins, JSON via serde, Protobuf via prost, and a
//! custom codec. `showcase/types` receives any of them and logs what it got.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use statefun_sdk::types::{
    BoolType, BoxError, CustomType, DoubleType, FloatType, IntType, JsonType, LongType,
    ProtobufType, StringType,
};
use statefun_sdk::{Context, Error, FunctionSpec, Message, StatefulFunction, TypeName, dispatch};

use crate::Lines;

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

async fn describe(lines: Lines, ctx: &mut Context, message: Message) -> Result<(), Error> {
    // One arm per type, the typename written once; any other type takes the `else` block.
    let description = dispatch!(message, {
        IntType => |n| format!("int {n}"),
        LongType => |n| format!("long {n}"),
        BoolType => |b| format!("bool {b}"),
        FloatType => |x| format!("float {x}"),
        DoubleType => |x| format!("double {x}"),
        StringType => |text| format!("string {text:?}"),
        USER_PROFILE => |user| format!("user {} aged {}", user.name, user.age),
        POINT => |point| format!("point ({}, {})", point.x, point.y),
        RGB => |Rgb(r, g, b)| format!("colour #{r:02x}{g:02x}{b:02x}"),
    } else {
        format!("something of type {}", message.typename())
    })?;
    lines.log(ctx, description)
}

struct Describe {
    lines: Lines,
}

impl StatefulFunction for Describe {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        describe(self.lines, ctx, message).await
    }
}

/// `showcase/types`, logging to `lines`.
pub fn spec(lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(TYPES, Describe { lines })
}
