//! Overhead of `join_all_bounded` against the plain `futures` combinators it
//! replaces, on 10,000 futures that are ready at once, so that only the
//! bookkeeping is measured.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use futures::stream::{self, StreamExt};

const FUTURES: u64 = 10_000;

fn ready_futures() -> impl Iterator<Item = impl std::future::Future<Output = u64>> {
    (0..FUTURES).map(|i| async move { i })
}

fn fanout(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    let mut group = c.benchmark_group("10k ready futures");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);

    for limit in [16, 256] {
        group.bench_with_input(
            BenchmarkId::new("join_all_bounded", limit),
            &limit,
            |b, &limit| {
                b.to_async(&runtime)
                    .iter(|| loopguard_shim::join_all_bounded(ready_futures(), limit));
            },
        );
        group.bench_with_input(BenchmarkId::new("buffered", limit), &limit, |b, &limit| {
            b.to_async(&runtime).iter(|| {
                stream::iter(ready_futures())
                    .buffered(limit)
                    .collect::<Vec<_>>()
            });
        });
    }
    group.bench_function("join_all (unbounded)", |b| {
        b.to_async(&runtime)
            .iter(|| futures::future::join_all(ready_futures()));
    });
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
