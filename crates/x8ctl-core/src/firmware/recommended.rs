//! The H7 firmware each OS image needs (`firmware/recommended.toml`, built in;
//! `X8CTL_RECOMMENDED_FILE` names another file): what `x8ctl flash-fw` with no argument
//! puts on a board.

use std::path::{Path, PathBuf};

/// The table compiled into x8ctl.
pub const BUILT_IN: &str = include_str!("../../../../firmware/recommended.toml");

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Recommendation {
    /// The image's IMAGE_VERSION (Foundries build number).
    pub image: u32,
    #[serde(default)]
    pub arduino: String,
    /// The firmware repository's tag at `commit` (how the commit is fetched).
    pub tag: String,
    /// The commit the image pins (full hash).
    pub commit: String,
    /// What the firmware reports in sysfs.
    pub version: String,
    /// Where the row comes from.
    #[serde(default)]
    pub evidence: String,
}

impl Recommendation {
    /// The commit's short form.
    pub fn short(&self) -> &str {
        &self.commit[..7.min(self.commit.len())]
    }
    /// Whether a checked-out commit is the pinned one.
    pub fn is_pinned(&self, commit: &str) -> bool {
        !commit.is_empty() && (self.commit.starts_with(commit) || commit.starts_with(&self.commit))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Table {
    #[serde(default, rename = "image")]
    pub images: Vec<Recommendation>,
}

impl Table {
    pub fn parse(text: &str) -> Result<Table, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The built-in table, or the file `X8CTL_RECOMMENDED_FILE` names.
    pub fn load() -> Result<(Table, String), String> {
        match crate::host::get().recommended_file.clone() {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    format!("cannot read {} (X8CTL_RECOMMENDED_FILE): {e}", p.display())
                })?;
                let t = Table::parse(&text)
                    .map_err(|e| format!("{} (X8CTL_RECOMMENDED_FILE): {e}", p.display()))?;
                Ok((t, p.display().to_string()))
            }
            None => Ok((
                Table::parse(BUILT_IN).map_err(|e| format!("built-in recommended.toml: {e}"))?,
                "built in".into(),
            )),
        }
    }

    pub fn for_image(&self, image: u32) -> Option<&Recommendation> {
        self.images.iter().find(|r| r.image == image)
    }
}

/// Where a firmware built at `rec`'s commit is kept in the cache.
pub fn built_image(cache: &Path, rec: &Recommendation) -> PathBuf {
    cache
        .join("built")
        .join(format!("STM32H747AII6_CM7-{}-{}.bin", rec.tag, rec.short()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_names_full_commits() {
        let t = Table::parse(BUILT_IN).unwrap();
        assert!(!t.images.is_empty());
        for r in &t.images {
            assert_eq!(r.commit.len(), 40, "{r:?}");
            assert!(!r.evidence.is_empty());
        }
        let r = t.for_image(746).unwrap();
        assert_eq!((r.tag.as_str(), r.short()), ("0.0.3", "a08e21e"));
        // Images whose pin is not established are left out.
        for unknown in [844, 846, 861] {
            assert!(t.for_image(unknown).is_none());
        }
        assert!(r.is_pinned("a08e21e"));
        assert!(!r.is_pinned("1234567"));
        assert!(!r.is_pinned(""));
    }
}
