//! Checks on an STM32H747 M7 firmware image before anything touches the board: the size
//! fits the M7's flash bank, the Cortex-M vector table is plausible, and the version string
//! sits at offset 0x40000. ELF, Intel HEX, empty, text and oversized files are refused with
//! what to do instead.

/// Offset of the NUL-terminated version string in the `.bin` (flash address 0x08040000,
/// where arduino/portentax8-stm32h7-fw's linker script places it).
pub const VERSION_OFFSET: usize = crate::board::facts::VERSION_OFFSET;
/// Where the M7 image is flashed.
pub const FLASH_BASE: u32 = 0x0800_0000;
/// Longest version string read.
pub const VERSION_MAX: usize = 64;

/// The version string at 0x40000 up to the first NUL, if it is printable text.
pub fn version_of(image: &[u8]) -> Option<String> {
    let tail = image.get(VERSION_OFFSET..)?;
    let end = tail.iter().take(VERSION_MAX).position(|&b| b == 0)?;
    let s = &tail[..end];
    if s.is_empty() || !s.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return None;
    }
    Some(String::from_utf8_lossy(s).into_owned())
}

/// A minimal image for the product's own unit tests: a vector table (stack in AXI SRAM,
/// Thumb reset handler in flash), filler bytes and `version` at 0x40000. The virtual X8
/// has its own maker; the two are kept apart so that each checks the other.
#[cfg(test)]
pub(crate) fn test_image(version: &str) -> Vec<u8> {
    let mut img = vec![0xffu8; VERSION_OFFSET + 0x1000];
    img[0..4].copy_from_slice(&0x2407_fff0u32.to_le_bytes());
    img[4..8].copy_from_slice(&(FLASH_BASE + 0x401).to_le_bytes());
    img[VERSION_OFFSET..VERSION_OFFSET + version.len()].copy_from_slice(version.as_bytes());
    img[VERSION_OFFSET + version.len()] = 0;
    img
}

/// The M7's flash bank (bank 1 of the STM32H747's two 1 MiB banks).
pub const FLASH_BANK_SIZE: usize = 1024 * 1024;

/// RAM regions of the STM32H747 where an initial stack pointer may point (end inclusive:
/// the stack starts at the top of a region).
const RAM_REGIONS: &[(u32, u32, &str)] = &[
    (0x2000_0000, 0x2002_0000, "DTCM"),
    (0x2400_0000, 0x2408_0000, "AXI SRAM"),
    (0x3000_0000, 0x3004_8000, "SRAM1-3"),
    (0x3800_0000, 0x3801_0000, "SRAM4"),
];

/// What is known about an image that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageInfo {
    pub size: usize,
    pub version: String,
    pub initial_sp: u32,
    pub reset_handler: u32,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ImageError {
    #[error("the file is empty")]
    #[diagnostic(
        code(x8ctl::image::empty),
        help("the download or build did not finish; get the image again")
    )]
    Empty,
    #[error("this is an ELF file, not the raw .bin the H7 is flashed with")]
    #[diagnostic(
        code(x8ctl::image::elf),
        help(
            "use the .bin next to it (STM32H747AII6_CM7.bin), or make one: arm-none-eabi-objcopy -O binary --remove-section .dma_buffers STM32H747AII6_CM7.elf STM32H747AII6_CM7.bin"
        )
    )]
    Elf,
    #[error("this is an Intel HEX file, not the raw .bin the H7 is flashed with")]
    #[diagnostic(
        code(x8ctl::image::intel_hex),
        help(
            "use the .bin next to it (STM32H747AII6_CM7.bin), or convert: arm-none-eabi-objcopy -I ihex -O binary STM32H747AII6_CM7.hex STM32H747AII6_CM7.bin"
        )
    )]
    IntelHex,
    #[error("this is a text file, not a firmware image")]
    #[diagnostic(
        code(x8ctl::image::text),
        help(
            "this may be an HTML error page from a failed download: download the release again, or pass --release TAG"
        )
    )]
    Text,
    #[error("the image is {size} bytes, larger than the M7's 1 MiB flash bank")]
    #[diagnostic(
        code(x8ctl::image::too_large),
        help(
            "flash STM32H747AII6_CM7.bin built from arduino/portentax8-stm32h7-fw (x8ctl flash-fw --release TAG or --build); sketches for the M4 go with x8ctl upload-sketch"
        )
    )]
    TooLarge { size: usize },
    #[error("the image is {size} bytes, too small to hold the version string at offset 0x40000")]
    #[diagnostic(
        code(x8ctl::image::too_small),
        help(
            "flash STM32H747AII6_CM7.bin built from arduino/portentax8-stm32h7-fw (x8ctl flash-fw --release TAG or --build); sketches for the M4 go with x8ctl upload-sketch"
        )
    )]
    TooSmall { size: usize },
    #[error("the initial stack pointer {sp:#010x} is not in the H7's RAM: not an STM32H7 M7 image")]
    #[diagnostic(
        code(x8ctl::image::bad_stack),
        help(
            "flash STM32H747AII6_CM7.bin built from arduino/portentax8-stm32h7-fw (x8ctl flash-fw --release TAG or --build); sketches for the M4 go with x8ctl upload-sketch"
        )
    )]
    BadStack { sp: u32 },
    #[error(
        "the reset handler {reset:#010x} is not a Thumb address inside the image's flash range"
    )]
    #[diagnostic(
        code(x8ctl::image::bad_reset),
        help(
            "flash STM32H747AII6_CM7.bin built from arduino/portentax8-stm32h7-fw (x8ctl flash-fw --release TAG or --build); sketches for the M4 go with x8ctl upload-sketch"
        )
    )]
    BadReset { reset: u32 },
    #[error("there is no version string at offset 0x40000: not an Arduino X8 H7 firmware build")]
    #[diagnostic(
        code(x8ctl::image::no_version),
        help(
            "build it from arduino/portentax8-stm32h7-fw (its linker script puts the version at 0x08040000), or pass --release TAG"
        )
    )]
    NoVersion,
}

fn word(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

/// Mostly printable ASCII in the first KiB.
fn looks_like_text(b: &[u8]) -> bool {
    let head = &b[..b.len().min(1024)];
    let printable = head
        .iter()
        .filter(|&&c| c == b'\n' || c == b'\r' || c == b'\t' || (0x20..0x7f).contains(&c))
        .count();
    printable * 100 >= head.len() * 95
}

/// Why a firmware file could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadImageError {
    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(x8ctl::image::read), help("check the path of the firmware image"))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is refused: it is not a regular file ({kind})")]
    #[diagnostic(
        code(x8ctl::image::not_a_file),
        help(
            "give the path of the image file itself (STM32H747AII6_CM7.bin), not a device, pipe or folder"
        )
    )]
    NotAFile { path: String, kind: &'static str },
    #[error("{path} is refused: it is {size} bytes, larger than the M7's 1 MiB flash bank")]
    #[diagnostic(
        code(x8ctl::image::file_too_large),
        help(
            "flash STM32H747AII6_CM7.bin built from arduino/portentax8-stm32h7-fw (x8ctl flash-fw --release TAG or --build)"
        )
    )]
    TooLarge { path: String, size: u64 },
}

/// Read a firmware file, refusing before it is opened anything that is not a regular file
/// (a FIFO would block the open, `/dev/zero` would never end) and anything larger than the
/// flash bank; the read itself stops one byte past the bank's size, in case the file grows.
pub fn read_image(path: &std::path::Path) -> Result<Vec<u8>, ReadImageError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |source| ReadImageError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            special_kind(&meta)
        };
        return Err(ReadImageError::NotAFile { path: shown, kind });
    }
    if meta.len() > FLASH_BANK_SIZE as u64 {
        return Err(ReadImageError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(FLASH_BANK_SIZE as u64 + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() > FLASH_BANK_SIZE {
        return Err(ReadImageError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a named pipe"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::Metadata) -> &'static str {
    "not a regular file"
}

/// Check `bytes` as an M7 image.
pub fn check(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.starts_with(b"\x7fELF") {
        return Err(ImageError::Elf);
    }
    if bytes.first() == Some(&b':') && looks_like_text(bytes) {
        return Err(ImageError::IntelHex);
    }
    if looks_like_text(bytes) {
        return Err(ImageError::Text);
    }
    if bytes.len() > FLASH_BANK_SIZE {
        return Err(ImageError::TooLarge { size: bytes.len() });
    }
    if bytes.len() <= VERSION_OFFSET {
        return Err(ImageError::TooSmall { size: bytes.len() });
    }
    let sp = word(bytes, 0);
    if !RAM_REGIONS.iter().any(|&(lo, hi, _)| sp > lo && sp <= hi) || !sp.is_multiple_of(4) {
        return Err(ImageError::BadStack { sp });
    }
    let reset = word(bytes, 4);
    let end = FLASH_BASE + bytes.len() as u32;
    if reset & 1 == 0 || !(FLASH_BASE..end).contains(&(reset & !1)) {
        return Err(ImageError::BadReset { reset });
    }
    let version = version_of(bytes).ok_or(ImageError::NoVersion)?;
    use sha2::Digest;
    Ok(ImageInfo {
        size: bytes.len(),
        version,
        initial_sp: sp,
        reset_handler: reset,
        sha256: crate::board::transfer::hex(&sha2::Sha256::digest(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn make_image(v: &str) -> Vec<u8> {
        test_image(v)
    }

    #[test]
    fn a_real_shaped_image_passes() {
        let info = check(&make_image("0.0.5")).unwrap();
        assert_eq!(info.version, "0.0.5");
        assert_eq!(info.sha256.len(), 64);
    }

    #[test]
    fn wrong_files_are_refused_with_a_hint() {
        let img = make_image("0.0.5");
        let mut elf = b"\x7fELF\x01\x01\x01".to_vec();
        elf.resize(300_000, 0);
        let hex = b":020000040800F2\n:10000000000008249D020008\n".repeat(100);
        let html = b"<!DOCTYPE html><html><body>Not Found</body></html>\n".to_vec();
        let mut big = img.clone();
        big.resize(FLASH_BANK_SIZE + 1, 0xff);
        let mut bad_sp = img.clone();
        bad_sp[0..4].copy_from_slice(&0x1000_0000u32.to_le_bytes());
        let mut bad_reset = img.clone();
        bad_reset[4..8].copy_from_slice(&0x0800_0100u32.to_le_bytes());
        let mut no_version = img.clone();
        no_version[VERSION_OFFSET] = 0;
        let cases: Vec<(Vec<u8>, ImageError)> = vec![
            (vec![], ImageError::Empty),
            (elf, ImageError::Elf),
            (hex, ImageError::IntelHex),
            (html, ImageError::Text),
            (
                big,
                ImageError::TooLarge {
                    size: FLASH_BANK_SIZE + 1,
                },
            ),
            (
                img[..0x1000].to_vec(),
                ImageError::TooSmall { size: 0x1000 },
            ),
            (bad_sp, ImageError::BadStack { sp: 0x1000_0000 }),
            (bad_reset, ImageError::BadReset { reset: 0x0800_0100 }),
            (no_version, ImageError::NoVersion),
        ];
        for (bytes, want) in cases {
            let got = check(&bytes).unwrap_err();
            assert_eq!(got, want);
            assert!(miette::Diagnostic::help(&got).is_some());
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_pipes_folders_and_huge_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO with no writer would block forever: it is refused first.
            assert!(matches!(
                read_image(&fifo),
                Err(ReadImageError::NotAFile {
                    kind: "a named pipe",
                    ..
                })
            ));
        }
        assert!(matches!(
            read_image(std::path::Path::new("/dev/zero")),
            Err(ReadImageError::NotAFile {
                kind: "a character device",
                ..
            })
        ));
        assert!(matches!(
            read_image(dir.path()),
            Err(ReadImageError::NotAFile {
                kind: "a folder",
                ..
            })
        ));
        let big = dir.path().join("big.bin");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(64 * 1024 * 1024 * 1024)
            .unwrap();
        assert!(matches!(
            read_image(&big),
            Err(ReadImageError::TooLarge { .. })
        ));
        let ok = dir.path().join("ok.bin");
        std::fs::write(&ok, make_image("0.0.5")).unwrap();
        assert_eq!(read_image(&ok).unwrap(), make_image("0.0.5"));
        assert!(matches!(
            read_image(&dir.path().join("none")),
            Err(ReadImageError::Io { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = check(&bytes);
        }
    }
}

#[cfg(test)]
mod diagnostic_tests {
    use super::*;

    #[test]
    fn every_variant_has_a_code_and_a_help() {
        let all = [
            ImageError::Empty,
            ImageError::Elf,
            ImageError::IntelHex,
            ImageError::Text,
            ImageError::TooLarge { size: 1 },
            ImageError::TooSmall { size: 1 },
            ImageError::BadStack { sp: 0 },
            ImageError::BadReset { reset: 0 },
            ImageError::NoVersion,
        ];
        for e in &all {
            match e {
                ImageError::Empty
                | ImageError::Elf
                | ImageError::IntelHex
                | ImageError::Text
                | ImageError::TooLarge { .. }
                | ImageError::TooSmall { .. }
                | ImageError::BadStack { .. }
                | ImageError::BadReset { .. }
                | ImageError::NoVersion => {}
            }
        }
        let dyns: Vec<&dyn miette::Diagnostic> = all.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("image", &dyns);
        let read = [
            ReadImageError::Io {
                path: "x".into(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
            ReadImageError::NotAFile {
                path: "x".into(),
                kind: "a folder",
            },
            ReadImageError::TooLarge {
                path: "x".into(),
                size: 1 << 21,
            },
        ];
        for e in &read {
            match e {
                ReadImageError::Io { .. }
                | ReadImageError::NotAFile { .. }
                | ReadImageError::TooLarge { .. } => {}
            }
        }
        let dyns: Vec<&dyn miette::Diagnostic> = read.iter().map(|e| e as _).collect();
        crate::assert_diagnostics("image", &dyns);
    }
}
