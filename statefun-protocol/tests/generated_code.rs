//! The committed code in `src/generated/` must be what `prost-build` makes of `proto/`.
//!
//! Set `STATEFUN_REGENERATE=1` to rewrite it instead of checking it.

use std::fs;
use std::path::{Path, PathBuf};

const SCHEMAS: &[&str] = &[
    "statefun/request-reply.proto",
    "statefun/types.proto",
    "statefun/kafka-egress.proto",
    "statefun/kinesis-egress.proto",
    "statefun/v2/http-function.proto",
    "statefun/v2/egress.proto",
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate_into(out_dir: &Path) {
    let proto_root = manifest_dir().join("../proto");
    let descriptors = protox::compile(SCHEMAS, [proto_root]).expect("schemas compile");
    prost_build::Config::new()
        .bytes(["."])
        .enable_type_names()
        .out_dir(out_dir)
        .compile_fds(descriptors)
        .expect("prost-build generates code");
}

fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("directory is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| path.file_name().is_some_and(|name| name != "mod.rs"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).expect("file is readable"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn committed_code_matches_the_schemas() {
    let committed_dir = manifest_dir().join("src/generated");
    let fresh_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("statefun-protocol-generated");
    let _ = fs::remove_dir_all(&fresh_dir);
    fs::create_dir_all(&fresh_dir).unwrap();
    generate_into(&fresh_dir);
    let fresh = rust_files(&fresh_dir);

    if std::env::var_os("STATEFUN_REGENERATE").is_some() {
        for (name, _) in rust_files(&committed_dir) {
            fs::remove_file(committed_dir.join(name)).unwrap();
        }
        for (name, text) in &fresh {
            fs::write(committed_dir.join(name), text).unwrap();
        }
        return;
    }

    let committed = rust_files(&committed_dir);
    let names =
        |files: &[(String, String)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&fresh),
        "generated file set differs"
    );
    for ((name, committed_text), (_, fresh_text)) in committed.iter().zip(&fresh) {
        assert!(
            committed_text == fresh_text,
            "src/generated/{name} is stale: run STATEFUN_REGENERATE=1 cargo test -p statefun-protocol --test generated_code"
        );
    }
}
