//! The store in process: what a runtime committed is there for the next one on the same
//! directory, delayed messages keep their due time, and the admin API lists parked
//! addresses over HTTP.

use std::path::Path;
use std::time::Duration;

use statefun_runtime::protocol::{Address, TypedValue};
use statefun_runtime::store::{Store, StoreErrorKind};
use statefun_runtime::{Endpoint, Runtime};
use statefun_sdk::types::IntType;
use statefun_sdk::{
    Context, Error, FunctionSpec, Message, MessageBuilder, RequestReplyHandler, TypeName, ValueSpec,
};

const COUNTER: TypeName = TypeName::from_static("t/counter");
static SEEN: ValueSpec<IntType> = ValueSpec::new("seen", IntType);

/// Counts messages; the first one also schedules a message to itself in 30 s.
async fn counter(ctx: &mut Context, _message: Message) -> Result<(), Error> {
    let seen = ctx.storage().get(&SEEN)?.unwrap_or(0) + 1;
    ctx.storage().set(&SEEN, seen)?;
    if seen == 1 {
        let me = ctx.address().id().to_owned();
        ctx.send_after(
            Duration::from_secs(30),
            MessageBuilder::to(COUNTER, me).string("later"),
        )?;
    }
    Ok(())
}

fn runtime(store: Store) -> Runtime {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(COUNTER, counter).with_state(&SEEN))
        .build()
        .unwrap();
    Runtime::builder()
        .endpoint(
            "t/*".parse().unwrap(),
            Endpoint::service(handler.into_service()),
        )
        .store(store)
        .build()
}

/// Opens the store of `dir` once the previous runtime's writer has let go of it.
async fn reopen(dir: &Path) -> Store {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match Store::open(dir) {
            Ok(store) => return store,
            Err(error) if error.kind() == StoreErrorKind::Open => {
                assert!(tokio::time::Instant::now() < deadline, "{error}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(error) => panic!("{error}"),
        }
    }
}

fn int(value: &TypedValue) -> i32 {
    match &value.value[..] {
        [] => 0,
        [0x0D, bytes @ ..] => i32::from_le_bytes(bytes.try_into().unwrap()),
        other => panic!("not an int: {other:?}"),
    }
}

#[tokio::test]
async fn state_and_delayed_messages_survive_a_restart_with_their_due_time() {
    let dir = std::env::temp_dir().join(format!("statefun-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ann = Address::new("t", "counter", "ann");

    let first = runtime(Store::open(&dir).unwrap());
    for _ in 0..3 {
        first
            .send(ann.clone(), TypedValue::new("t/any", &b""[..]))
            .await
            .unwrap();
    }
    first.run_until_quiescent().await.unwrap();
    first.wait_durable().await.unwrap();
    let due = first.next_delayed_deadline().expect("a delayed message");
    let due_in = due - tokio::time::Instant::now();
    drop(first);

    let second = runtime(reopen(&dir).await);
    assert_eq!(int(&second.state(&ann, "seen").unwrap()), 3);
    assert_eq!(second.pending_delayed_messages(), 1);
    let restored_in = second.next_delayed_deadline().unwrap() - tokio::time::Instant::now();
    assert!(
        restored_in <= due_in && due_in - restored_in < Duration::from_secs(5),
        "due in {due_in:?} before, {restored_in:?} after the restart"
    );
    // Nothing was left to send: the answered batches are gone from the store.
    second.run_until_quiescent().await.unwrap();
    assert_eq!(int(&second.state(&ann, "seen").unwrap()), 3);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_store_in_use_is_refused_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("statefun-store-locked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let error = Store::open(&dir).err().expect("the second open fails");
    assert_eq!(error.kind(), StoreErrorKind::Open);
    assert!(
        error.to_string().contains("is another runtime using it?"),
        "{error}"
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
