//! Egress records: to a generic egress (the playground's), to a Kafka topic, to a Kinesis
//! stream.

use statefun_sdk::{
    Context, Error, FunctionSpec, KafkaEgressBuilder, KinesisEgressBuilder, Message,
    StatefulFunction, TypeName,
};

use crate::Lines;

/// Writes each message to all three kinds of egress.
pub const EGRESS: TypeName = TypeName::from_static("showcase/egress");
/// The topic of the generic record (the playground's egress, or Kafka on a cluster).
pub const AUDIT_TOPIC: &str = "audit";
/// A Kafka egress (`io.statefun.kafka.v1/egress` in module.yaml).
pub const KAFKA: TypeName = TypeName::from_static("showcase/kafka");
/// A Kinesis egress (`io.statefun.kinesis.v1/egress` in module.yaml).
pub const KINESIS: TypeName = TypeName::from_static("showcase/kinesis");

async fn fan_out(lines: Lines, ctx: &mut Context, message: Message) -> Result<(), Error> {
    let text = crate::text_of(&message)?;
    let user = ctx.address().id().to_owned();

    lines.publish(ctx, AUDIT_TOPIC, format!("{user}: {text}"))?;
    ctx.send_egress(
        KafkaEgressBuilder::to(KAFKA)
            .topic("events")
            .key(&user)
            .value_string(&text)
            .build()?,
    );
    ctx.send_egress(
        KinesisEgressBuilder::to(KINESIS)
            .stream("events")
            .partition_key(&user)
            .value_string(&text)
            .build()?,
    );
    Ok(())
}

struct FanOut {
    lines: Lines,
}

impl StatefulFunction for FanOut {
    async fn invoke(&self, ctx: &mut Context, message: Message) -> Result<(), Error> {
        fan_out(self.lines, ctx, message).await
    }
}

/// `showcase/egress`, its generic record written to `lines`.
pub fn spec(lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(EGRESS, FanOut { lines })
}
