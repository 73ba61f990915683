//! `full_jitter` needs no feature.

use std::time::Duration;

use loopguard_shim::full_jitter;
use proptest::prelude::*;

proptest! {
    #[test]
    fn full_jitter_stays_within_delay(nanos in 0u64..=u64::MAX / 2) {
        let delay = Duration::from_nanos(nanos);
        prop_assert!(full_jitter(delay) <= delay);
    }
}

#[test]
fn full_jitter_is_not_constant() {
    let draws: std::collections::HashSet<Duration> = (0..100)
        .map(|_| full_jitter(Duration::from_secs(1)))
        .collect();
    assert!(draws.len() > 50);
}
