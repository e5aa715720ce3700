//! STM32H747 M7 firmware images: make a plausible one (for the virtual H7 and for tests) and
//! read the version string at offset 0x40000.
