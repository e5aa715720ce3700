//! The known firmware releases (`firmware/releases.toml`, built in; `X8CTL_RELEASES_FILE`
//! points at another file) and the per-user cache they are downloaded into.

use std::path::{Path, PathBuf};

/// The releases file compiled into x8ctl.
pub const BUILT_IN: &str = include_str!("../../../../firmware/releases.toml");

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Release {
    pub tag: String,
    #[serde(default)]
    pub commit: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub fixes: String,
    /// Where the .bin can be downloaded; empty when no asset is known.
    #[serde(default)]
    pub url: String,
    /// The .bin's sha256; empty when unknown (then it is never downloaded).
    #[serde(default)]
    pub sha256: String,
}

impl Release {
    /// Whether the release can be downloaded and verified.
    pub fn downloadable(&self) -> bool {
        !self.url.is_empty() && self.sha256.len() == 64
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Releases {
    #[serde(default)]
    pub repository: String,
    #[serde(default, rename = "release")]
    pub releases: Vec<Release>,
}

impl Releases {
    pub fn parse(text: &str) -> Result<Releases, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The built-in list, or the file `X8CTL_RELEASES_FILE` names.
    pub fn load() -> Result<(Releases, String), String> {
        super::load_table(
            crate::host::get().releases_file.as_deref(),
            "X8CTL_RELEASES_FILE",
            (BUILT_IN, "releases.toml"),
            Releases::parse,
        )
    }

    pub fn find(&self, tag: &str) -> Option<&Release> {
        let t = tag.trim_start_matches('v');
        self.releases.iter().find(|r| r.tag == t || r.tag == tag)
    }
}

pub use crate::cache::dir as cache_dir;

/// Where release `tag`'s image lives in the cache.
pub fn cached_image(cache: &Path, tag: &str) -> PathBuf {
    let safe: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = if safe.trim_matches('.').is_empty() {
        "_".to_string()
    } else {
        safe
    };
    cache
        .join("firmware")
        .join(safe)
        .join("STM32H747AII6_CM7.bin")
}

/// The releases that are in the cache (by tag folder).
pub fn cached_tags(cache: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(cache.join("firmware"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().join("STM32H747AII6_CM7.bin").is_file())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_has_the_five_tags_without_assets() {
        let r = Releases::parse(BUILT_IN).unwrap();
        let tags: Vec<&str> = r.releases.iter().map(|r| r.tag.as_str()).collect();
        assert_eq!(tags, ["0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"]);
        assert_eq!(r.find("0.0.5").unwrap().commit, "f9f0ec1");
        assert_eq!(r.find("v0.0.3").unwrap().date, "2023-10-20");
        assert!(r.releases.iter().all(|r| !r.downloadable()));
        assert!(Releases::parse("release = 3").is_err());
    }

    #[test]
    fn cache_paths_are_safe() {
        let p = cached_image(Path::new("/c"), "../x y");
        assert_eq!(p, PathBuf::from("/c/firmware/.._x_y/STM32H747AII6_CM7.bin"));
    }
}
