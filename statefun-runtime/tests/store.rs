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
const VISITOR: TypeName = TypeName::from_static("t/visitor");
/// Expires an hour after the last invocation.
static VISITS: ValueSpec<IntType> =
    ValueSpec::new("visits", IntType).expire_after_call(Duration::from_secs(3600));

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

/// Counts `write` messages; other messages only read the count.
async fn visitor(ctx: &mut Context, message: Message) -> Result<(), Error> {
    let visits = ctx.storage().get(&VISITS)?.unwrap_or(0);
    if message.as_str()? == "write" {
        ctx.storage().set(&VISITS, visits + 1)?;
    }
    Ok(())
}

fn runtime(store: Store) -> Runtime {
    let handler = RequestReplyHandler::builder()
        .register(FunctionSpec::new(COUNTER, counter).with_state(&SEEN))
        .register(FunctionSpec::new(VISITOR, visitor).with_state(&VISITS))
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

/// Opens the store of `dir` once the previous runtime's writer let go of it, waiting on
/// the real clock (a paused Tokio clock would run through the deadline at once).
fn reopen_blocking(dir: &Path) -> Store {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match Store::open(dir) {
            Ok(store) => return store,
            Err(error) if error.kind() == StoreErrorKind::Open => {
                assert!(std::time::Instant::now() < deadline, "{error}");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("{error}"),
        }
    }
}

/// `state export` of `dir`, once the previous runtime let go of it, as JSON values.
fn exported(dir: &Path) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let out = loop {
        let mut out = Vec::new();
        match statefun_runtime::store::export_json_lines(dir, &mut out) {
            Ok(_) => break out,
            Err(error) if error.kind() == StoreErrorKind::Open => {
                assert!(std::time::Instant::now() < deadline, "{error}");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(error) => panic!("{error}"),
        }
    };
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn string(text: &'static str) -> TypedValue {
    // `io.statefun.types/string`: field 1, length, bytes.
    let mut bytes = vec![0x0A, text.len() as u8];
    bytes.extend_from_slice(text.as_bytes());
    TypedValue::new("io.statefun.types/string", bytes)
}

#[tokio::test(start_paused = true)]
async fn after_invoke_expiry_is_stored_as_of_the_last_invocation_and_expired_values_are_deleted() {
    let dir = std::env::temp_dir().join(format!("statefun-store-ttl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ann = Address::new("t", "visitor", "ann");
    const MINUTE: Duration = Duration::from_secs(60);

    let first = runtime(Store::open(&dir).unwrap());
    first.send(ann.clone(), string("write")).await.unwrap();
    first.run_until_quiescent().await.unwrap();
    tokio::time::advance(40 * MINUTE).await;
    // A read alone refreshes the expiry to an hour from now.
    first.send(ann.clone(), string("read")).await.unwrap();
    first.run_until_quiescent().await.unwrap();
    first.wait_durable().await.unwrap();
    drop(first);

    let lines = exported(&dir);
    let visits = lines
        .iter()
        .find(|line| line["state"] == "visits")
        .expect("the value is stored");
    // Stored times follow the runtime's (paused) clock: 40 min passed since the write.
    let expires_in = visits["expires_at_unix_ms"].as_u64().unwrap() - unix_ms_now();
    assert!(
        expires_in > 95 * 60_000 && expires_in <= 101 * 60_000,
        "expires in {expires_in} ms: the read 40 min after the write must have refreshed it"
    );

    let second = runtime(reopen_blocking(&dir));
    tokio::time::advance(50 * MINUTE).await;
    let value = second
        .state(&ann, "visits")
        .expect("live 50 min after the read");
    assert_eq!(int(&value), 1);
    tokio::time::advance(11 * MINUTE).await;
    assert!(second.state(&ann, "visits").is_none(), "expired");
    // The next invocation drops the expired value, and the store deletes it.
    second.send(ann.clone(), string("read")).await.unwrap();
    second.run_until_quiescent().await.unwrap();
    second.wait_durable().await.unwrap();
    drop(second);
    let lines = exported(&dir);
    assert!(
        lines.iter().all(|line| line["state"] != "visits"),
        "the expired value is gone from the store: {lines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn values_expired_while_the_runtime_was_down_are_not_restored_and_are_deleted() {
    let dir = std::env::temp_dir().join(format!("statefun-store-expired-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let in_an_hour = unix_ms_now() + 3_600_000;
    let lines = format!(
        r#"{{"address":{{"namespace":"t","type":"visitor","id":"old"}},"state":"visits","typename":"io.statefun.types/int","value":4,"expires_at_unix_ms":1}}
{{"address":{{"namespace":"t","type":"visitor","id":"new"}},"state":"visits","typename":"io.statefun.types/int","value":5,"expires_at_unix_ms":{in_an_hour}}}
"#
    );
    let imported =
        statefun_runtime::store::import_json_lines(&dir, std::io::Cursor::new(lines)).unwrap();
    assert_eq!(imported, 2);

    let restored = runtime(reopen(&dir).await);
    let old = Address::new("t", "visitor", "old");
    let new = Address::new("t", "visitor", "new");
    assert!(restored.state(&old, "visits").is_none());
    assert_eq!(int(&restored.state(&new, "visits").unwrap()), 5);
    restored.wait_durable().await.unwrap();
    drop(restored);

    let lines = exported(&dir);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["address"]["id"], "new");
    assert_eq!(
        lines[0]["expires_at_unix_ms"], in_an_hour,
        "kept as imported"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
