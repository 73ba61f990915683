//! Bounded fan-out over an iterator of futures.
//!
//! These replace `join_all`, `try_join_all` and `buffer_unordered(n)` when the
//! number of futures is not known to be small: at most `limit` of them are
//! polled at any moment, the rest are not even created until a slot frees up
//! (futures are pulled lazily from the iterator).

use std::future::Future;

use futures::stream::{self, FuturesUnordered, Stream, StreamExt, TryStreamExt};
use futures::FutureExt;

use crate::permit::assert_limit;

/// Runs every future with at most `limit` in flight and returns their outputs
/// in input order.
///
/// Unlike [`futures::stream::StreamExt::buffered`], a slow future at the head
/// does not hold back the rest: results are placed by index, so all `limit`
/// slots stay busy until the input runs out.
///
/// A panic in any future propagates out of the returned future. Dropping the
/// returned future drops the in-flight futures and never creates the rest.
///
/// # Panics
///
/// If `limit` is 0 (rather than hanging forever).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let squares = loopguard_shim::join_all_bounded((1..=5).map(|n| async move { n * n }), 2).await;
/// assert_eq!(squares, vec![1, 4, 9, 16, 25]);
/// # }
/// ```
pub async fn join_all_bounded<I>(iter: I, limit: usize) -> Vec<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future,
{
    assert_limit(limit);
    let mut pending = iter.into_iter().enumerate();
    let mut slots = empty_slots(pending.size_hint().0);
    let mut running = FuturesUnordered::new();
    running.extend(pending.by_ref().take(limit).map(tag));
    while let Some((index, output)) = running.next().await {
        place(&mut slots, index, output);
        running.extend(pending.next().map(tag));
    }
    unwrap_all(slots)
}

/// Like [`join_all_bounded`] for fallible futures: returns all outputs in input
/// order, or the first error.
///
/// On the first error the in-flight futures are dropped (cancelled) and the
/// futures that were not started yet are never created.
///
/// # Panics
///
/// If `limit` is 0.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let parsed = loopguard_shim::try_join_all_bounded(
///     ["1", "2", "x", "4"].map(|s| async move { s.parse::<u32>() }),
///     2,
/// )
/// .await;
/// assert!(parsed.is_err());
/// # }
/// ```
pub async fn try_join_all_bounded<I, T, E>(iter: I, limit: usize) -> Result<Vec<T>, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    assert_limit(limit);
    let iter = iter.into_iter();
    let mut slots = empty_slots(iter.size_hint().0);
    let mut done = stream::iter(iter.enumerate())
        .map(|(index, fut)| async move { fut.await.map(|output| (index, output)) })
        .buffer_unordered(limit);
    while let Some((index, output)) = done.try_next().await? {
        place(&mut slots, index, output);
    }
    Ok(unwrap_all(slots))
}

/// Maps each item to a future with `f` and yields the outputs in input order,
/// with at most `limit` futures in flight.
///
/// Items are pulled from `items` and `f` is called only when a slot is free,
/// so a huge (or endless) input does not build up futures in memory. Use
/// [`StreamExt::buffer_unordered`] on the result of `stream::iter(..).map(f)`
/// instead if completion order is good enough.
///
/// # Panics
///
/// If `limit` is 0.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let lengths: Vec<usize> = loopguard_shim::map_bounded(["a", "bb", "ccc"], 2, |s| async move { s.len() })
///     .collect()
///     .await;
/// assert_eq!(lengths, vec![1, 2, 3]);
/// # }
/// ```
pub fn map_bounded<I, F, Fut>(items: I, limit: usize, f: F) -> impl Stream<Item = Fut::Output>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    assert_limit(limit);
    stream::iter(items).map(f).buffered(limit)
}

/// Pairs a future's output with its input position.
fn tag<F: Future>(
    (index, fut): (usize, F),
) -> futures::future::Map<F, impl FnOnce(F::Output) -> (usize, F::Output)> {
    fut.map(move |output| (index, output))
}

fn place<T>(slots: &mut Vec<Option<T>>, index: usize, output: T) {
    if index >= slots.len() {
        slots.resize_with(index + 1, || None);
    }
    slots[index] = Some(output);
}

/// Slots for an input of (at least) `len` futures, filled up front so that
/// [`place`] is a plain store for every index the size hint covered.
fn empty_slots<T>(len: usize) -> Vec<Option<T>> {
    let mut slots = Vec::with_capacity(len);
    slots.resize_with(len, || None);
    slots
}

fn unwrap_all<T>(slots: Vec<Option<T>>) -> Vec<T> {
    slots
        .into_iter()
        .map(|slot| slot.expect("every index below the highest one seen has completed"))
        .collect()
}
