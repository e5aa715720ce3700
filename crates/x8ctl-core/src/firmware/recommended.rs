//! The H7 firmware each OS image needs (`firmware/recommended.toml`, built in;
//! `X8CTL_RECOMMENDED_FILE` names another file): what `x8ctl flash-fw` with no argument
//! puts on a board.

use std::path::{Path, PathBuf};

/// The table compiled into x8ctl.
pub const BUILT_IN: &str = include_str!("../../../../firmware/recommended.toml");

/// One image's row. Three kinds: pinned at a release tag (`tag` set), pinned at an untagged
/// commit (`tag` empty: built from `commit`), or not known (`unknown` says why, `commit`
/// empty): x8ctl then says so and passes on `advice` rather than guess.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Recommendation {
    /// The image's IMAGE_VERSION (Foundries build number).
    pub image: u32,
    #[serde(default)]
    pub arduino: String,
    /// The firmware repository's tag at `commit` (how the commit is fetched); empty when the
    /// image pins an untagged commit.
    #[serde(default)]
    pub tag: String,
    /// The commit the image pins (full hash); empty when it is not known.
    #[serde(default)]
    pub commit: String,
    /// What the firmware reports in sysfs (for an untagged commit, the part before the date).
    #[serde(default)]
    pub version: String,
    /// Where the row comes from.
    #[serde(default)]
    pub evidence: String,
    /// Why the image's firmware is not known (empty when it is).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unknown: String,
    /// What the user can do when it is not known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub advice: String,
}

impl Recommendation {
    /// Whether the table names the image's firmware commit.
    pub fn is_known(&self) -> bool {
        self.unknown.is_empty() && !self.commit.is_empty()
    }
    /// The commit's short form.
    pub fn short(&self) -> &str {
        &self.commit[..7.min(self.commit.len())]
    }
    /// What to check out to build it: the tag, or the commit itself.
    pub fn reference(&self) -> &str {
        if self.tag.is_empty() {
            &self.commit
        } else {
            &self.tag
        }
    }
    /// Whether a checked-out commit is the pinned one.
    pub fn is_pinned(&self, commit: &str) -> bool {
        !commit.is_empty()
            && !self.commit.is_empty()
            && (self.commit.starts_with(commit) || commit.starts_with(&self.commit))
    }
    /// Whether firmware reporting `version` in sysfs is this row's firmware: the same tag, or
    /// a build of the pinned commit ("<tag>-next-<commit>-<date>", whatever the tag: a build
    /// made today names a newer tag than the image's did).
    pub fn runs(&self, version: &str) -> bool {
        if !self.is_known() {
            return false;
        }
        let version = version.trim();
        if !self.tag.is_empty() && version == self.version {
            return true;
        }
        next_commit(version).is_some_and(|c| c.len() >= 7 && self.is_pinned(c))
    }
}

/// The commit in a "<tag>-next-<commit>-<date>" version (the firmware Makefile's form for a
/// HEAD that is not the newest tag).
pub fn next_commit(version: &str) -> Option<&str> {
    let rest = &version[version.find("-next-")? + "-next-".len()..];
    let c = rest.split('-').next()?;
    (!c.is_empty() && c.chars().all(|ch| ch.is_ascii_hexdigit())).then_some(c)
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
        super::load_table(
            crate::host::get().recommended_file.as_deref(),
            "X8CTL_RECOMMENDED_FILE",
            (BUILT_IN, "recommended.toml"),
            Table::parse,
        )
    }

    pub fn for_image(&self, image: u32) -> Option<&Recommendation> {
        self.images.iter().find(|r| r.image == image)
    }
}

/// Where a firmware built at `rec`'s commit is kept in the cache.
pub fn built_image(cache: &Path, rec: &Recommendation) -> PathBuf {
    cache.join("built").join(format!(
        "STM32H747AII6_CM7-{}-{}.bin",
        if rec.tag.is_empty() {
            "commit"
        } else {
            &rec.tag
        },
        rec.short()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_every_row_is_one_kind() {
        let t = Table::parse(BUILT_IN).unwrap();
        assert!(!t.images.is_empty());
        for r in &t.images {
            if r.is_known() {
                assert_eq!(r.commit.len(), 40, "{r:?}");
                assert!(!r.evidence.is_empty(), "{r:?}");
                assert!(!r.version.is_empty(), "{r:?}");
                if r.tag.is_empty() {
                    assert!(
                        r.version.ends_with(&format!("-next-{}", r.short())),
                        "{r:?}"
                    );
                } else {
                    assert_eq!(r.version, r.tag, "{r:?}");
                }
            } else {
                assert!(r.commit.is_empty() && r.tag.is_empty(), "{r:?}");
                assert!(!r.advice.is_empty(), "{r:?}");
            }
        }
        let mut images: Vec<u32> = t.images.iter().map(|r| r.image).collect();
        images.dedup();
        assert_eq!(images.len(), t.images.len(), "one row per image");
    }

    /// A release tag: 746 pins 0.0.3.
    #[test]
    fn a_row_pinned_at_a_tag() {
        let t = Table::parse(BUILT_IN).unwrap();
        let r = t.for_image(746).unwrap();
        assert!(r.is_known());
        assert_eq!((r.tag.as_str(), r.short()), ("0.0.3", "a08e21e"));
        assert_eq!(r.reference(), "0.0.3");
        assert!(r.is_pinned("a08e21e"));
        assert!(!r.is_pinned("1234567"));
        assert!(!r.is_pinned(""));
        assert!(r.runs("0.0.3"));
        assert!(r.runs("0.0.5-next-a08e21e-20231020:101010"));
        assert!(!r.runs("0.0.3-next-42d4b15-20231115:101010"));
        assert!(!r.runs("0.0.4"));
        let r = t.for_image(881).unwrap();
        assert_eq!((r.tag.as_str(), r.version.as_str()), ("0.0.4", "0.0.4"));
    }

    /// An untagged commit: 772 pins ca97288, which the image reports as
    /// 0.0.3-next-ca97288-<date>, and a build made today as 0.0.5-next-ca97288-<date>.
    #[test]
    fn a_row_pinned_at_an_untagged_commit() {
        let t = Table::parse(BUILT_IN).unwrap();
        let r = t.for_image(772).unwrap();
        assert!(r.is_known());
        assert_eq!(r.tag, "");
        assert_eq!(r.reference(), r.commit);
        assert_eq!(r.version, "0.0.3-next-ca97288");
        assert!(r.runs("0.0.3-next-ca97288-20240125:093012"));
        assert!(r.runs("0.0.5-next-ca97288-20240125:093012"));
        assert!(!r.runs("0.0.3"));
        assert!(!r.runs("0.0.3-next-42d4b15-20231115:101010"));
        assert!(
            built_image(Path::new("/c"), r).ends_with("built/STM32H747AII6_CM7-commit-ca97288.bin")
        );
    }

    /// Not known: 844, 846 and 861 were built while the recipe followed master.
    #[test]
    fn a_row_whose_firmware_is_not_known() {
        let t = Table::parse(BUILT_IN).unwrap();
        for image in [844, 846, 861] {
            let r = t.for_image(image).unwrap();
            assert!(!r.is_known(), "{r:?}");
            assert!(r.unknown.contains("AUTOREV"), "{r:?}");
            assert!(r.advice.contains("--build --ref"), "{r:?}");
            assert!(!r.runs("0.0.5"));
            assert!(!r.is_pinned("a08e21e"));
        }
        // And an image the table does not list at all.
        assert!(t.for_image(900).is_none());
    }

    #[test]
    fn next_commit_reads_the_makefile_form() {
        assert_eq!(
            next_commit("0.0.3-next-ca97288-20240125:093012"),
            Some("ca97288")
        );
        assert_eq!(
            next_commit("0.0.3-next-ca97288-20240125:093012-dirty"),
            Some("ca97288")
        );
        assert_eq!(next_commit("0.0.3"), None);
        assert_eq!(next_commit("0.0.3-next-"), None);
    }
}
