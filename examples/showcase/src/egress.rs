//! Egress records: to a generic egress (the playground's), to a Kafka topic, to a Kinesis
//! stream.

use statefun_sdk::{
    Context, Error, FunctionSpec, KafkaEgressBuilder, KinesisEgressBuilder, Message, TypeName,
};

/// Writes each message to all three kinds of egress.
pub const EGRESS: TypeName = TypeName::from_static("showcase/egress");
/// The playground egress topic of the generic record.
pub const AUDIT_TOPIC: &str = "audit";
/// A Kafka egress (`io.statefun.kafka.v1/egress` in module.yaml).
pub const KAFKA: TypeName = TypeName::from_static("showcase/kafka");
/// A Kinesis egress (`io.statefun.kinesis.v1/egress` in module.yaml).
pub const KINESIS: TypeName = TypeName::from_static("showcase/kinesis");

async fn fan_out(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let text = crate::text_of(&message)?;
    let user = ctx.address().id().to_owned();

    crate::publish(ctx, AUDIT_TOPIC, format!("{user}: {text}"))?;
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

/// `showcase/egress`.
pub fn spec() -> FunctionSpec {
    FunctionSpec::new(EGRESS, fan_out)
}
