//! Permit handling shared by the semaphore-bounded components.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::observe::SharedObserver;

/// Rejects a zero limit up front: `buffer_unordered(0)` and `buffered(0)`
/// never poll anything and a zero-permit semaphore never grants one, so a zero
/// that slipped in from configuration would turn into a silent hang.
#[track_caller]
pub(crate) fn assert_limit(limit: usize) {
    assert!(
        limit > 0,
        "loopguard-shim: concurrency limit must be at least 1, got 0"
    );
}

/// Takes a permit, reporting the wait to the observer only when there was one,
/// so that an uncontended bound costs no clock reads.
pub(crate) async fn acquire(
    permits: &Arc<Semaphore>,
    observer: &SharedObserver,
) -> OwnedSemaphorePermit {
    if let Ok(permit) = Arc::clone(permits).try_acquire_owned() {
        return permit;
    }
    let started = Instant::now();
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .expect("permit semaphores are never closed");
    observer.permit_wait(started.elapsed());
    permit
}
