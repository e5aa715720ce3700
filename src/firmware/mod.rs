//! STM32H7 firmware: image checks and version strings (sources, cache and the flash
//! pipeline come with `x8ctl flash-fw`).

pub mod fwimage;
pub mod image;
