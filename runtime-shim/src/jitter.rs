//! The full-jitter step on its own; needs no feature.

use std::time::Duration;

use rand::Rng;

/// Returns a duration drawn uniformly from `[0, delay]`.
///
/// This is the AWS "full jitter" step on its own, for loops that compute
/// their own delay: replace `sleep(delay)` with `sleep(full_jitter(delay))`
/// so that clients that failed at the same moment do not retry in lockstep.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let d = loopguard_shim::full_jitter(Duration::from_millis(200));
/// assert!(d <= Duration::from_millis(200));
/// ```
pub fn full_jitter(delay: Duration) -> Duration {
    uniform(&mut rand::rng(), Duration::ZERO, delay)
}

pub(crate) fn uniform<R: Rng + ?Sized>(rng: &mut R, low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    let span = u64::try_from((high - low).as_nanos()).unwrap_or(u64::MAX);
    low + Duration::from_nanos(rng.random_range(0..=span))
}
