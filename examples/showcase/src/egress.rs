//! Egress records: to any egress, to a Kafka topic, to a Kinesis stream.

use statefun_sdk::{
    Context, EgressBuilder, Error, FunctionSpec, KafkaEgressBuilder, KinesisEgressBuilder, Message,
    TypeName,
};

/// Writes each message to all three kinds of egress.
pub const EGRESS: TypeName = TypeName::from_static("showcase/egress");
/// A generic egress: any typed value.
pub const AUDIT: TypeName = TypeName::from_static("showcase/audit");
/// A Kafka egress (`io.statefun.kafka.v1/egress` in module.yaml).
pub const KAFKA: TypeName = TypeName::from_static("showcase/kafka");
/// A Kinesis egress (`io.statefun.kinesis.v1/egress` in module.yaml).
pub const KINESIS: TypeName = TypeName::from_static("showcase/kinesis");

async fn fan_out(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let text = message.as_string()?;
    let user = ctx.address().id().to_owned();

    ctx.send_egress(EgressBuilder::to(AUDIT).string(format!("{user}: {text}")));
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
