//! STM32H747 M7 firmware images: make a plausible one (for the virtual H7 and for tests) and
//! read the version string at offset 0x40000, where the firmware's linker script puts it.

/// Offset of the NUL-terminated version string in the `.bin` (flash address 0x08040000).
pub const VERSION_OFFSET: usize = 0x40000;
/// Where the M7 image is flashed.
pub const FLASH_BASE: u32 = 0x0800_0000;
/// Longest version string read (program-h7.sh reads 40 bytes).
pub const VERSION_MAX: usize = 64;

/// A firmware image shaped like `STM32H747AII6_CM7.bin`: a Cortex-M vector table (initial
/// stack pointer at the top of the AXI SRAM, reset handler in flash with the Thumb bit),
/// deterministic "code", and `version` NUL-terminated at 0x40000. Different versions give
/// different bytes everywhere the version is mixed in, as different builds do.
pub fn make_image(version: &str) -> Vec<u8> {
    let mut img = vec![0u8; VERSION_OFFSET + 0x2000];
    let stack_top: u32 = 0x2408_0000;
    let reset: u32 = (FLASH_BASE + 0x2c1) | 1;
    img[0..4].copy_from_slice(&stack_top.to_le_bytes());
    img[4..8].copy_from_slice(&reset.to_le_bytes());
    // The other exception vectors point at a default handler in flash.
    for i in 2..166usize {
        let handler: u32 = FLASH_BASE + 0x301 + 2 * (i as u32 % 7);
        img[i * 4..i * 4 + 4].copy_from_slice(&handler.to_le_bytes());
    }
    // "Code": a xorshift stream seeded from the version, so each version differs.
    let mut seed: u32 = 0x9e37_79b9;
    for b in version.bytes() {
        seed = seed.rotate_left(5) ^ u32::from(b);
    }
    let mut x = seed | 1;
    for byte in img.iter_mut().take(VERSION_OFFSET).skip(0x298) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *byte = x as u8;
    }
    let v = version.as_bytes();
    let n = v.len().min(VERSION_MAX - 1);
    img[VERSION_OFFSET..VERSION_OFFSET + n].copy_from_slice(&v[..n]);
    img[VERSION_OFFSET + n] = 0;
    img
}

/// What the H7 reports as its version: the text at 0x40000 up to its NUL (at most
/// `VERSION_MAX - 1` characters), when it is printable ASCII. (The virtual board's own
/// reader; x8ctl's image checks have theirs.)
pub fn version_of(image: &[u8]) -> Option<String> {
    let window = image.get(VERSION_OFFSET..)?;
    let window = &window[..window.len().min(VERSION_MAX)];
    let nul = window.iter().position(|&b| b == 0)?;
    let text = std::str::from_utf8(&window[..nul]).ok()?;
    let printable = text.chars().all(|c| c == ' ' || c.is_ascii_graphic());
    (printable && !text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_round_trip() {
        let img = make_image("0.0.5");
        assert_eq!(version_of(&img).as_deref(), Some("0.0.5"));
        assert_eq!(
            version_of(&make_image("0.0.5-next-53df799-20250314:072359")).as_deref(),
            Some("0.0.5-next-53df799-20250314:072359")
        );
        assert_ne!(make_image("0.0.4"), make_image("0.0.5"));
        assert_eq!(make_image("0.0.4"), make_image("0.0.4"));
    }

    #[test]
    fn vector_table_is_plausible() {
        let img = make_image("0.0.5");
        let sp = u32::from_le_bytes(img[0..4].try_into().unwrap());
        let reset = u32::from_le_bytes(img[4..8].try_into().unwrap());
        assert!((0x2400_0000..=0x2408_0000).contains(&sp));
        assert_eq!(reset & 1, 1);
        assert!((FLASH_BASE..FLASH_BASE + 0x10_0000).contains(&reset));
    }

    #[test]
    fn short_or_garbage_images_have_no_version() {
        assert_eq!(version_of(&[0u8; 16]), None);
        assert_eq!(version_of(&vec![0u8; VERSION_OFFSET + 4]), None);
        assert_eq!(version_of(&vec![0xffu8; VERSION_OFFSET + 100]), None);
    }
}
