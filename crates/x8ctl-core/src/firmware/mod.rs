//! STM32H7 firmware: image checks and version strings, the known releases and the per-user
//! cache, and downloads into it (the flash pipeline itself is `crate::flash`).

pub mod build;
pub mod download;
pub mod image;
pub mod recommended;
pub mod releases;
