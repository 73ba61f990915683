//! Bounded, pooled and jittered building blocks that loopguard's fixes point to.
//!
//! Each item replaces a concurrency pattern whose default is unsafe under
//! load, with a version whose default is safe: a limit is always required and
//! zero is rejected instead of hanging, retries are jittered, capped and
//! budgeted, pools time out, threads and tasks are owned and stopped.
//!
//! | instead of | use |
//! |---|---|
//! | `join_all(iter)`, `try_join_all(iter)` | [`join_all_bounded`], [`try_join_all_bounded`] |
//! | `stream::iter(..).map(f).buffered(n)` with a possible `n == 0` | [`map_bounded`] |
//! | `JoinSet::spawn` in a loop | [`BoundedJoinSet::spawn_when_free`] (or [`BoundedJoinSet::spawn`]) |
//! | `spawn_blocking` per request | [`BlockingLimiter::run`] |
//! | `tokio::spawn` and forget | [`TaskSupervisor::spawn`] |
//! | `std::thread::spawn` and forget | [`ThreadSupervisor::spawn_managed`] |
//! | hand-written retry loops, `tokio-retry`, jitter-less `backon` | `retry::retry` with `retry::Backoff` (feature `retry`) |
//! | `sleep(delay)` between attempts | `sleep(`[`full_jitter`]`(delay))` |
//! | `deadpool` pools without timeouts | `pool::build_pool` (feature `pool`) |
//! | nothing between a client and a failing dependency | [`CircuitBreaker`], `RateLimiter` (feature `rate-limit`) |
//!
//! # Features
//!
//! None is on by default, so depending on the crate for [`join_all_bounded`]
//! costs tokio, tokio-util, futures, rand and tracing only.
//!
//! | feature | adds | pulls in |
//! |---|---|---|
//! | `retry` | the `retry` module (`retry`, `Backoff`, `RetryBudget`, `Jitter`) | backon, tower |
//! | `pool` | the `pool` module (`build_pool`, `PoolTimeouts`) | deadpool |
//! | `rate-limit` | `RateLimiter` | governor |
//! | `full` | all of the above | |
//!
//! Every component can report to one [`Observer`], and [`LoopLagMonitor`]
//! catches at run time the blocking that loopguard flags statically.
//!
//! Everything async runs on Tokio and uses Tokio's clock, so tests can use
//! `#[tokio::test(start_paused = true)]`.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod blocking;
mod breaker;
mod fanout;
mod jitter;
mod join_set;
mod lag;
mod observe;
mod permit;
#[cfg(feature = "pool")]
#[cfg_attr(docsrs, doc(cfg(feature = "pool")))]
pub mod pool;
#[cfg(feature = "rate-limit")]
mod rate;
#[cfg(feature = "retry")]
#[cfg_attr(docsrs, doc(cfg(feature = "retry")))]
pub mod retry;
mod task;
mod thread;

pub use blocking::BlockingLimiter;
pub use breaker::{BreakerError, BreakerOpen, BreakerPermit, BreakerState, CircuitBreaker};
pub use fanout::{join_all_bounded, map_bounded, try_join_all_bounded};
pub use jitter::full_jitter;
pub use join_set::BoundedJoinSet;
pub use lag::LoopLagMonitor;
pub use observe::{NoopObserver, Observer, PoolStage};
#[cfg(feature = "rate-limit")]
pub use rate::RateLimiter;
pub use task::{TaskReport, TaskSupervisor};
pub use thread::{StopToken, ThreadReport, ThreadSupervisor, DROP_GRACE};
