//! STM32H7 firmware: image checks and version strings, the known releases and the per-user
//! cache, and downloads into it (the flash pipeline itself is `crate::flash`).

pub mod build;
pub mod download;
pub mod image;
pub mod recommended;
pub mod releases;

/// A table x8ctl ships (`built_in`: its text and file name) that a file can replace
/// (`file`, named by the variable `var`), parsed with `parse`; with where it came from
/// (the file's path, or `built in`).
fn load_table<T>(
    file: Option<&std::path::Path>,
    var: &str,
    built_in: (&str, &str),
    parse: fn(&str) -> Result<T, String>,
) -> Result<(T, String), String> {
    match file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {} ({var}): {e}", p.display()))?;
            let t = parse(&text).map_err(|e| format!("{} ({var}): {e}", p.display()))?;
            Ok((t, p.display().to_string()))
        }
        None => Ok((
            parse(built_in.0).map_err(|e| format!("built-in {}: {e}", built_in.1))?,
            "built in".into(),
        )),
    }
}
