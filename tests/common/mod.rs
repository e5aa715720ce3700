//! The shared test kit (`crates/x8-testkit`), under the name every test file uses.
#![allow(unused_imports)]
pub use x8_testkit::*;
