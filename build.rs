//! Records the version facts `--version` and `aipool_build_info` report: the
//! git revision (`-dirty` for a modified tree) and the build date. Outside a
//! git checkout (e.g. a crate tarball) the revision is "unknown"; the build
//! never fails for want of git.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "src/build_info/stamp.rs"]
mod stamp;

/// `git ARGS` in the package directory, its output if it succeeded.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
}

fn main() {
    let head = git(&["rev-parse", "--short=12", "HEAD"]);
    let porcelain = git(&["status", "--porcelain", "--untracked-files=no"]);
    let revision = stamp::revision(head.as_deref(), porcelain.as_deref());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs());
    let date = stamp::build_date(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref(), now);
    println!("cargo:rustc-env=AIPOOL_BUILD_REVISION={revision}");
    println!("cargo:rustc-env=AIPOOL_BUILD_DATE={date}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    // Run again when HEAD moves (a commit, a checkout) and when the sources
    // change (the tree may turn dirty or clean). In a worktree `.git` is a file,
    // so ask git where its files are; name only files that exist, as cargo
    // reruns the script on every build for a missing one. Not the index: the
    // `git status` above may rewrite it, which would rerun this forever.
    let dirs = ["--git-dir", "--git-common-dir"].map(|flag| git(&["rev-parse", flag]));
    let watched = [
        (&dirs[0], "HEAD"),
        (&dirs[1], "refs/heads"),
        (&dirs[1], "packed-refs"),
    ];
    for (dir, file) in watched {
        if let Some(dir) = dir {
            let path = std::path::Path::new(dir.trim()).join(file);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    for path in ["build.rs", "src", "crates", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
