//! Bounded, pooled and jittered building blocks that loopguard's fixes point to.
