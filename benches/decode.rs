//! Decode cost: what decoding a record with its schema adds to the feed's consumer, per record,
//! for each format of the example schema directory (end2end/schemas), and for a record that
//! fails (an unknown schema id). The server decodes each record once, whatever the number of
//! pages, so this is a cost per record read, not per page.
//!
//! `cargo bench --features ssr --bench decode` (`scripts/bench decode`); BENCH_RECORDS (200000)
//! per format. No broker: the records are built here with the same encoder the producer box uses.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use kafka_live::server::schemas::directory::Directory;
use kafka_live::server::schemas::source::Part;
use kafka_live::wire::schema::Decoding;

fn main() {
    let records: usize = std::env::var("BENCH_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(200_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/schemas");
    let schemas = Directory::load(&dir).expect("the example schema directory loads");
    let order = r#"{"id": 7, "item": "a cup of tea", "qty": 2}"#;
    let cases = [
        ("Avro", schemas.encode(1, order).unwrap()),
        ("Protobuf", schemas.encode(2, order).unwrap()),
        ("JSON Schema", schemas.encode(3, order).unwrap()),
        ("unknown schema id (a failure)", vec![0, 0, 0, 0, 99, 0xff]),
    ];
    for (name, bytes) in cases {
        let decoded = schemas.decode("bench", Part::Value, &bytes, 1 << 20);
        assert!(matches!(decoded, Some(Decoding::Decoded { .. } | Decoding::Failed { .. })), "{decoded:?}");
        let started = Instant::now();
        for _ in 0..records {
            black_box(schemas.decode(black_box("bench"), Part::Value, black_box(&bytes), 1 << 20));
        }
        let per_record = started.elapsed().as_secs_f64() / records as f64;
        println!(
            "decode: {name}, {} bytes: {:.2} µs a record ({:.0} records/s on one core) (no target)",
            bytes.len(),
            per_record * 1e6,
            1.0 / per_record
        );
    }
}
