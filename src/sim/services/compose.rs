//! `docker compose` (v2).

use std::collections::BTreeMap;

use super::Services;
use super::docker::{Cli, FsView};

impl Services {
    pub(super) fn compose(
        &self,
        _args: &[String],
        _cwd: &str,
        _env: &BTreeMap<String, String>,
        _fs: &dyn FsView,
        _cli: &mut Cli,
    ) -> i32 {
        1
    }
}
