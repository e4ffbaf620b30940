//! The keys each component's `spec` may hold, and which known key an unknown one most
//! likely meant.

/// The keys of one mapping.
pub(crate) type KnownKeys = &'static [&'static str];

pub(crate) const ENDPOINT_V2: KnownKeys = &[
    "functions",
    "urlPathTemplate",
    "maxNumBatchRequests",
    "transport",
];
pub(crate) const ENDPOINT_V1: KnownKeys = &[
    "functions",
    "urlPathTemplate",
    "maxNumBatchRequests",
    "timeouts",
];
/// Both transports' keys: `type` picks one, and StateFun ignores the other's keys.
pub(crate) const TRANSPORT: KnownKeys = &[
    "type",
    "call",
    "connect",
    "pool_ttl",
    "pool_size",
    "payload_max_bytes",
    "trust_cacerts",
    "client_cert",
    "client_key",
    "client_key_password",
    "timeouts",
];
pub(crate) const TIMEOUTS: KnownKeys = &["call", "connect", "read", "write"];
pub(crate) const PLAYGROUND_INGRESS: KnownKeys = &["port"];
pub(crate) const PLAYGROUND_EGRESS: KnownKeys = &["port", "topics", "maxBytesPerTopic"];

/// The known key `key` is most likely a typo of: equal but for case, `_`/`-`, or within
/// two edits (one for keys of up to four characters).
pub(crate) fn closest(key: &str, known: KnownKeys) -> Option<&'static str> {
    let normalized = |text: &str| text.to_ascii_lowercase().replace(['_', '-'], "");
    let wanted = normalized(key);
    let budget = if key.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|candidate| (edit_distance(&wanted, &normalized(candidate)), *candidate))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// two neighbours, each one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_key_meant() {
        assert_eq!(
            closest("urlPathTempalte", ENDPOINT_V2),
            Some("urlPathTemplate")
        );
        assert_eq!(
            closest("urlpathtemplate", ENDPOINT_V2),
            Some("urlPathTemplate")
        );
        assert_eq!(
            closest("payload-max-bytes", TRANSPORT),
            Some("payload_max_bytes")
        );
        assert_eq!(closest("conect", TRANSPORT), Some("connect"));
        assert_eq!(closest("prot", PLAYGROUND_INGRESS), Some("port"));
        assert_eq!(closest("description", ENDPOINT_V2), None);
        assert_eq!(closest("id", PLAYGROUND_INGRESS), None);
    }
}
