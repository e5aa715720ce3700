//! What OpenOCD makes of an ELF file it is asked to `program`: the loadable segments, each
//! at its physical address, or the error it stops with. Written from OpenOCD's
//! `src/target/image.c` (`image_elf_read_headers`, 0.11-era): 32-bit files only; no program
//! headers is an error; only `PT_LOAD` segments with file contents are written, at
//! `p_paddr` (at `p_vaddr` when every `p_paddr` is zero and there are several segments).
//! This is the virtual X8's own reader, separate from x8ctl's check of sketches.

/// One segment to write: where, and the bytes.
pub type Section = (u32, Vec<u8>);

fn u16_at(b: &[u8], at: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

fn u32_at(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// The sections OpenOCD would write, or its error text (without `Error: `).
pub fn sections(elf: &[u8]) -> Result<Vec<Section>, String> {
    if elf.len() < 52 {
        return Err("cannot read ELF file header, only partially read".into());
    }
    if &elf[..4] != b"\x7fELF" {
        return Err("invalid ELF file, bad magic number".into());
    }
    if elf[4] != 1 {
        return Err("invalid ELF file, only 32bits files are supported".into());
    }
    let le = match elf[5] {
        1 => true,
        2 => false,
        _ => return Err("invalid ELF file, unknown endianness setting".into()),
    };
    let short_headers = || "cannot read ELF segment headers, only partially read".to_string();
    let count = usize::from(u16_at(elf, 44, le).unwrap_or(0));
    if count == 0 {
        return Err("invalid ELF file, no program headers".into());
    }
    let phoff = u32_at(elf, 28, le).unwrap_or(0) as usize;
    // OpenOCD reads the table as Elf32_Phdr records of 32 bytes.
    let table = elf
        .get(phoff..phoff.saturating_add(count * 32))
        .ok_or_else(short_headers)?;
    let field = |i: usize, n: usize| u32_at(table, i * 32 + n * 4, le).unwrap_or(0);
    let all_paddr_zero = (0..count).all(|i| field(i, 3) == 0);
    let loads = (0..count)
        .filter(|&i| field(i, 0) == 1 && field(i, 5) != 0)
        .count();
    let use_vaddr = all_paddr_zero && loads > 1;
    let mut out = Vec::new();
    for i in 0..count {
        let (p_type, offset, vaddr, paddr, filesz) = (
            field(i, 0),
            field(i, 1),
            field(i, 2),
            field(i, 3),
            field(i, 4),
        );
        if p_type != 1 || filesz == 0 {
            continue;
        }
        let data = elf
            .get(offset as usize..offset as usize + filesz as usize)
            .ok_or("cannot read ELF segment content, read failed")?;
        out.push((if use_vaddr { vaddr } else { paddr }, data.to_vec()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::sections;

    fn elf(e_phnum: u16, segs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut h = vec![0u8; 52];
        h[..8].copy_from_slice(b"\x7fELF\x01\x01\x01\0");
        h[16] = 2;
        h[18] = 40;
        h[28..32].copy_from_slice(&52u32.to_le_bytes());
        h[44..46].copy_from_slice(&e_phnum.to_le_bytes());
        let mut at = 52 + 32 * segs.len() as u32;
        for (addr, d) in segs {
            for v in [1u32, at, *addr, *addr, d.len() as u32, d.len() as u32, 5, 4] {
                h.extend(v.to_le_bytes());
            }
            at += d.len() as u32;
        }
        for (_, d) in segs {
            h.extend(*d);
        }
        h
    }

    #[test]
    fn openocds_view_of_an_elf() {
        let e = elf(2, &[(0x0810_0000, b"abcd"), (0x0810_0004, b"ef")]);
        assert_eq!(
            sections(&e).unwrap(),
            vec![
                (0x0810_0000, b"abcd".to_vec()),
                (0x0810_0004, b"ef".to_vec())
            ]
        );
        assert_eq!(
            sections(&elf(0, &[])).unwrap_err(),
            "invalid ELF file, no program headers"
        );
        assert_eq!(
            sections(&e[..e.len() - 1]).unwrap_err(),
            "cannot read ELF segment content, read failed"
        );
        assert_eq!(
            sections(&e[..60]).unwrap_err(),
            "cannot read ELF segment headers, only partially read"
        );
        assert!(
            sections(b"\x7fELF")
                .unwrap_err()
                .contains("only partially read")
        );
        let mut e64 = e.clone();
        e64[4] = 2;
        assert!(sections(&e64).unwrap_err().contains("only 32bits"));
    }
}
